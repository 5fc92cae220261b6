-- Users, allowlist and certification (src/api/users.cpp).
SELECT username, email, is_active FROM kobatela.create_user('ada', 'ada@example.com');
SELECT username, email, is_active FROM kobatela.create_user('grace', 'Grace.Hopper@Example.org', false);
SELECT username, email FROM kobatela.get_user((SELECT id FROM kobatela.users WHERE username = 'ada'));

-- Uniqueness is case-insensitive, for usernames and e-mails alike.
SELECT t.err($$SELECT kobatela.create_user('ADA', 'someone@example.com')$$);
SELECT t.err($$SELECT kobatela.create_user('someone', 'grace.hopper@example.ORG')$$);

-- Validation.
SELECT t.err($$SELECT kobatela.create_user('x', 'not-an-email')$$);
SELECT t.err($$SELECT kobatela.create_user('x', 'a@b')$$);
SELECT t.err($$SELECT kobatela.create_user('x', 'two@@example.com')$$);
SELECT t.err($$SELECT kobatela.create_user('', 'empty@example.com')$$);
SELECT t.err($$SELECT kobatela.create_user(repeat('u', 101), 'long@example.com')$$);
SELECT t.err($$SELECT kobatela.create_user(E'tab\tname', 'tab@example.com')$$);
SELECT t.err($$SELECT kobatela.get_user(-1)$$);

-- Allowlist: added once, then exists; both users must exist.
SELECT kobatela.add_to_allowlist(a.id, g.id) AS first, kobatela.add_to_allowlist(a.id, g.id) AS second
FROM kobatela.users a, kobatela.users g WHERE a.username = 'ada' AND g.username = 'grace';
SELECT count(*) AS ada_allowlist_rows FROM kobatela.allowed_recipients r JOIN kobatela.users u ON u.id = r.owner_id
WHERE u.username = 'ada';
SELECT t.err($$SELECT kobatela.add_to_allowlist((SELECT id FROM kobatela.users WHERE username = 'ada'), 424242)$$);
SELECT t.err($$SELECT kobatela.add_to_allowlist(424242, (SELECT id FROM kobatela.users WHERE username = 'ada'))$$);

-- Certification: level is case-insensitive; a second call changes the level.
SELECT kobatela.add_certification(id, ' gold ') FROM kobatela.users WHERE username = 'grace';
SELECT level FROM kobatela.certified_accounts c JOIN kobatela.users u ON u.id = c.user_id WHERE u.username = 'grace';
SELECT kobatela.add_certification(id, 'Basic') FROM kobatela.users WHERE username = 'grace';
SELECT level FROM kobatela.certified_accounts c JOIN kobatela.users u ON u.id = c.user_id WHERE u.username = 'grace';
SELECT t.err($$SELECT kobatela.add_certification((SELECT id FROM kobatela.users WHERE username = 'grace'), 'platinum')$$);
SELECT t.err($$SELECT kobatela.add_certification(424242, 'GOLD')$$);
