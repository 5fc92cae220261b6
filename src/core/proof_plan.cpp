#include "core/proof_plan.hpp"

#include "core/errors.hpp"
#include "core/money.hpp"

namespace koba::core {

SubmitProofDecision plan_submit_proof(const SubmitProofSnapshot& s, const PhotoLimits& limits) {
    PhotoVerdict verdict;  // anything but a photo waits for a decision
    if (s.milestone.proof_type == "PHOTO") verdict = validate_photo(s.photo, s.milestone.fence, limits);
    // A milestone closed with its escrow (released or refunded while it was open): the escrow's
    // answer, not "no open milestone".
    if (s.milestone.status == MilestoneStatus::Released || s.milestone.status == MilestoneStatus::Cancelled)
        throw Error(ErrorCode::ESCROW_NOT_ACTIVE,
                    "The escrow is " + std::string(status_name(s.escrow.status)) + ": it takes no proof.");
    if (!s.current_milestone_id) throw Error(ErrorCode::NO_OPEN_MILESTONE);
    if (*s.current_milestone_id != s.milestone.id) throw Error(ErrorCode::SEQUENCE_ERROR);
    if (s.milestone.status != MilestoneStatus::Waiting)
        throw Error(ErrorCode::MILESTONE_NOT_WAITING,
                    "The milestone is " + std::string(status_name(s.milestone.status)) + ".");
    // A closed escrow whose milestone is still open (released at its deadline, refunded,
    // cancelled) takes no more proofs. One whose milestones are all paid has none open:
    // NO_OPEN_MILESTONE above, the spec's answer.
    if (is_terminal(s.escrow.status))
        throw Error(ErrorCode::ESCROW_NOT_ACTIVE,
                    "The escrow is " + std::string(status_name(s.escrow.status)) + ": it takes no proof.");
    if (s.digest_used) throw Error(ErrorCode::PROOF_EXISTS);

    SubmitProofDecision d;
    d.proof_status = verdict.auto_approve ? ProofStatus::Approved : ProofStatus::Pending;
    d.review_json = review_keys_json(verdict);
    d.milestone_to = milestone_step(s.milestone.status, verdict.auto_approve ? MilestoneEvent::AutoApprove
                                                                            : MilestoneEvent::SubmitForReview)
                         .to;
    d.pay = verdict.auto_approve;
    if (d.pay)
        d.payout_key = "pay|escrow:" + std::to_string(s.escrow.id) + "|ms:" + std::to_string(s.milestone.id) +
                       "|amt:" + format_cents(s.milestone.cents);
    d.audit_action = "SUBMIT_PROOF";
    return d;
}

DecideProofDecision plan_decide_proof(const DecideProofSnapshot& s, bool approve) {
    DecideProofDecision d;
    const Step<ProofStatus> step = proof_step(s.proof_status, approve ? ProofEvent::Approve : ProofEvent::Reject);
    if (step.effect == Effect::NoOp) {
        d.unchanged = true;
        return d;
    }
    // An ended escrow pays no milestone (its money was released or refunded); a reviewer may
    // still reject what was submitted.
    if (approve && is_terminal(s.escrow.status))
        throw Error(ErrorCode::ESCROW_NOT_ACTIVE,
                    "The escrow is " + std::string(status_name(s.escrow.status)) + ": it pays no milestone.");
    d.proof_to = step.to;
    d.audit_action = step.audit_action;
    d.milestone_to =
        milestone_step(s.milestone_status, approve ? MilestoneEvent::Approve : MilestoneEvent::Reject).to;
    // A rejected milestone is no longer promised (an ended escrow reserves nothing).
    if (!is_terminal(s.escrow.status))
        d.money.reserved = reserved_change(s.milestone_status, d.milestone_to, s.milestone_cents);
    d.pay = approve;
    if (approve)
        d.payout_key = "escrow:" + std::to_string(s.escrow.id) + ":milestone:" + std::to_string(s.milestone_id) +
                       ":amount:" + format_cents(s.milestone_cents);
    return d;
}

}  // namespace koba::core
