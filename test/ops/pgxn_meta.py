#!/usr/bin/env python3
"""pgxn_meta.py META.json: checks a META.json against the PGXN Meta Spec 1.0.0 and prints one line
per problem (nothing when it is valid; exit status 1 when it is not).

PGXN's own validator (PGXN::Meta::Validator, validate_pgxn_meta) is not packaged for Debian 12; this
implements the spec's rules (https://pgxn.org/spec/, and the JSON schemas of pgxn/meta's
schema/v1): the required keys, term, tag, version, license and URL syntax, resources (a repository
has a url and its type, or a web page; a bug tracker a web page or an address), prerequisite phases
and relations, custom keys only as x_*. test/ops/release_files.sh runs it.
"""
import json, re, sys

meta = json.load(open(sys.argv[1]))
errors = []
SEMVER = re.compile(r'(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-?[A-Za-z][0-9A-Za-z-]*)?\Z')
LICENSES = set('''agpl_3 apache_1_1 apache_2_0 artistic_1 artistic_2 bsd freebsd gfdl_1_2 gfdl_1_3
    gpl_1 gpl_2 gpl_3 lgpl_2_1 lgpl_3_0 mit mozilla_1_0 mozilla_1_1 openssl perl_5 postgresql
    qpl_1_0 ssleay sun zlib open_source restricted unrestricted unknown'''.split())

def err(path, message): errors.append('/%s: %s' % (path, message))
def string(path, v):
    if not isinstance(v, str) or v == '': err(path, 'must be a non-empty string')
def strings(path, v):
    for i, s in enumerate(v if isinstance(v, list) else [v]): string('%s[%d]' % (path, i), s)
def version(path, v):
    if not isinstance(v, str) or not SEMVER.match(v): err(path, '%r is not a semantic version' % (v,))
def term(path, v):
    if not isinstance(v, str) or len(v) < 2 or re.search(r'[\s\x00-\x1f\x7f/\\]', v):
        err(path, '%r is not a term (2+ characters, no space, control character, / or \\)' % (v,))
def tag(path, v):
    if not isinstance(v, str) or not 1 <= len(v) <= 256 or re.search(r'[\x00-\x1f\x7f/\\]', v):
        err(path, '%r is not a tag' % (v,))
def url(path, v):
    if not isinstance(v, str) or not re.match(r'[A-Za-z][A-Za-z0-9+.-]*://[^/?#]+', v):
        err(path, '%r is not a URL' % (v,))
def exversion(path, v):
    if v == 0 or v == '0': return
    if not isinstance(v, str) or v == '': return err(path, '%r is not a version range' % (v,))
    for part in re.split(r',\s*', v):
        m = re.match(r'(<=|>=|==|!=|<|>)?\s*(.*)\Z', part)
        if m.group(2) != '0' and not SEMVER.match(m.group(2)): err(path, '%r is not a version range' % (v,))
def custom(path, key):
    if not re.match(r'x_', key, re.I): err(path, 'unknown key; custom keys begin with x_')
def mapping(path, v):
    if isinstance(v, dict): return True
    err(path, 'must be a map'); return False

for key in ('name', 'version', 'abstract', 'maintainer', 'license', 'provides', 'meta-spec'):
    if key not in meta: err(key, 'required field missing')
for key, v in meta.items():
    if key == 'name': term(key, v)
    elif key == 'version': version(key, v)
    elif key in ('abstract', 'description', 'generated_by'): string(key, v)
    elif key == 'maintainer':
        if v == [] or v == '': err(key, 'must name at least one maintainer')
        strings(key, v)
    elif key == 'license':
        if isinstance(v, dict):
            for name, link in v.items(): url('license/' + name, link)
        else:
            for i, name in enumerate(v if isinstance(v, list) else [v]):
                if name not in LICENSES: err('license[%d]' % i, '%r is an unknown license' % (name,))
    elif key == 'release_status':
        if v not in ('stable', 'testing', 'unstable'): err(key, 'must be stable, testing or unstable')
    elif key == 'meta-spec' and mapping(key, v):
        if 'version' not in v: err(key + '/version', 'required field missing')
        for k, x in v.items():
            if k == 'version':
                if not (isinstance(x, str) and re.match(r'1\.0\.[0-9]+\Z', x)): err(key + '/version', 'must be 1.0.x')
            elif k == 'url': url(key + '/url', x)
            else: custom(key + '/' + k, k)
    elif key == 'provides' and mapping(key, v):
        if not v: err(key, 'must provide at least one extension')
        for ext, p in v.items():
            path = 'provides/' + ext
            term(path, ext)
            if not mapping(path, p): continue
            for k in ('file', 'version'):
                if k not in p: err(path + '/' + k, 'required field missing')
            for k, x in p.items():
                if k == 'version': version(path + '/version', x)
                elif k in ('file', 'docfile', 'abstract'): string(path + '/' + k, x)
                else: custom(path + '/' + k, k)
    elif key == 'tags':
        for i, t in enumerate(v if isinstance(v, list) else [v]): tag('tags[%d]' % i, t)
    elif key == 'no_index' and mapping(key, v):
        for k, x in v.items():
            if k in ('file', 'directory'): strings(key + '/' + k, x)
            else: custom(key + '/' + k, k)
    elif key == 'prereqs' and mapping(key, v):
        for phase, relations in v.items():
            if phase not in ('configure', 'build', 'test', 'runtime', 'develop'): custom('prereqs/' + phase, phase)
            if not mapping('prereqs/' + phase, relations): continue
            if not relations: err('prereqs/' + phase, 'must have at least one relation')
            for relation, terms in relations.items():
                path = 'prereqs/%s/%s' % (phase, relation)
                if relation not in ('requires', 'recommends', 'suggests', 'conflicts'): custom(path, relation)
                if not mapping(path, terms): continue
                for name, r in terms.items():
                    term(path + '/' + name, name)
                    exversion(path + '/' + name, r)
    elif key == 'resources' and mapping(key, v):
        if not v: err(key, 'must have at least one resource')
        if isinstance(v.get('repository'), dict):
            r = v['repository']
            if not ('web' in r or ('url' in r and 'type' in r)):
                err(key + '/repository', 'needs url and type, or web')
        if isinstance(v.get('bugtracker'), dict) and not ('web' in v['bugtracker'] or 'mailto' in v['bugtracker']):
            err(key + '/bugtracker', 'needs web or mailto')
        for k, x in v.items():
            path = 'resources/' + k
            if k == 'homepage': url(path, x)
            elif k == 'license':
                for i, link in enumerate(x if isinstance(x, list) else [x]): url('%s[%d]' % (path, i), link)
            elif k in ('bugtracker', 'repository') and mapping(path, x):
                for kk, xx in x.items():
                    if kk in ('web', 'url'): url(path + '/' + kk, xx)
                    elif kk == 'mailto' and '@' not in str(xx): err(path + '/mailto', 'not an email address')
                    elif kk == 'type' and (not isinstance(xx, str) or xx != xx.lower()): err(path + '/type', 'must be lowercase')
                    elif kk not in ('web', 'url', 'mailto', 'type'): custom(path + '/' + kk, kk)
            elif k not in ('bugtracker', 'repository'): custom(path, k)
    elif key not in ('meta-spec', 'provides', 'no_index', 'prereqs', 'resources'):
        custom(key, key)
print('\n'.join(errors))
sys.exit(1 if errors else 0)
