#!/usr/bin/env python3
"""score.py LEAKDIFF [N...]: scores leakdiff on the runs heldout/run.sh captured
(OUT/goV/rR/SERVICE; SET and OUT as there).

For each run and each goroutine format (debug2, debug1, pb), analyzes the
first N goroutine snapshots (N = 3 and 4 by default) together with the heap
profiles of the same moments, and counts: leaking runs found at medium+
(a finding whose frames, created_by, site or related sites match the
service's TRUTH regexp), false findings at medium+ and high+ (any finding
in a leak-free service, or one that does not match the regexp), and the
precision of findings at confidence >= 0.7. Prints the totals and every
false finding at medium+. With SOURCE=1 in the environment, each service's
own directory is given as --source.
"""
import json, os, re, subprocess, sys, collections
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
SET = os.environ.get('SET', 'set29')
OUT = os.environ.get('OUT', '/tmp/leakdiff-heldout/' + SET)
LD = sys.argv[1]
NS = [int(x) for x in sys.argv[2:]] or [3, 4]
SOURCE = os.environ.get('SOURCE', '') not in ('', '0')
SEV = {'info': 0, 'low': 1, 'medium': 2, 'high': 3, 'critical': 4}
EXT = {'debug2': 'debug2.txt', 'debug1': 'debug1.txt', 'pb': 'pb.gz'}

def truth(svc):
    t = {}
    for line in open(os.path.join(HERE, SET, svc, 'TRUTH')):
        k, _, v = line.partition(':')
        t[k.strip()] = v.strip()
    leak = t.get('leak', 'none')
    return None if leak == 'none' else re.compile(leak)

def funcs(f):
    out = [fr.get('function', '') for fr in f.get('frames', [])]
    for k in ('created_by', 'site'):
        if f.get(k):
            out.append(f[k].get('function', ''))
    for r in f.get('related', []):
        if r.get('site'):
            out.append(r['site'].get('function', ''))
    return out

def analyze(job):
    run, svc, fmt, n = job
    d = os.path.join(OUT, run, svc)
    files = [os.path.join(d, 'goroutine-%d.%s' % (k, EXT[fmt])) for k in range(1, n + 1)]
    files += [os.path.join(d, 'heap-%d.pb.gz' % k) for k in range(1, n + 1)]
    if not all(os.path.exists(f) for f in files):
        return job, None
    src = ['--source', os.path.join(HERE, SET, svc)] if SOURCE else []
    p = subprocess.run([LD, 'analyze', '--format', 'json'] + src + files, capture_output=True, text=True)
    if p.returncode not in (0, 1):
        return job, 'error: ' + p.stderr.strip()
    return job, json.loads(p.stdout)['findings']

jobs = []
for v in sorted(os.listdir(OUT)):
    if not v.startswith('go'):
        continue
    vd = os.path.join(OUT, v)
    if not os.path.isdir(vd):
        continue
    for r in sorted(os.listdir(vd)):
        for svc in sorted(os.listdir(os.path.join(vd, r))):
            if os.path.isdir(os.path.join(vd, r, svc)):
                for fmt in EXT:
                    for n in NS:
                        jobs.append((v + '/' + r, svc, fmt, n))
with ThreadPoolExecutor(4) as ex:
    results = list(ex.map(analyze, jobs))

stats = collections.defaultdict(lambda: collections.Counter())
falses = []
for (run, svc, fmt, n), findings in results:
    key = (fmt, n)
    if findings is None:
        stats[key]['missing'] += 1
        continue
    if isinstance(findings, str):
        stats[key]['errors'] += 1
        print('ERROR', run, svc, fmt, n, findings)
        continue
    rx = truth(svc)
    stats[key]['runs'] += 1
    found = False
    for f in findings:
        sev = SEV[f['severity']]
        real = rx is not None and any(rx.search(x) for x in funcs(f))
        if f.get('kind') != 'goroutine':
            stats[key]['heap_findings_m+'] += sev >= 2
        if real and sev >= 2:
            found = True
        if not real and sev >= 2:
            stats[key]['false_m+'] += 1
            falses.append((fmt, n, run, svc, f['severity'], f['confidence'], f.get('kind'), (f.get('site') or {}).get('function'), f.get('counts'), f.get('survivors'), f.get('decided_by', '')[:160]))
        if not real and sev >= 3:
            stats[key]['false_h+'] += 1
        if f['confidence'] >= 0.7:
            stats[key]['c7'] += 1
            stats[key]['c7_real'] += real
    if rx is not None:
        stats[key]['leak_runs'] += 1
        stats[key]['found'] += found
        if not found:
            falses.append((fmt, n, run, svc, 'MISSED', '', '', '', '', '', ''))

print('fmt     n  runs leak_runs recall  false_m+ false_h+  c>=0.7 precision')
for (fmt, n), s in sorted(stats.items()):
    rec = s['found'] / s['leak_runs'] if s['leak_runs'] else float('nan')
    prec = s['c7_real'] / s['c7'] if s['c7'] else float('nan')
    print('%-7s %d %5d %9d %6.3f %9d %8d %7d %9.3f' % (fmt, n, s['runs'], s['leak_runs'], rec, s['false_m+'], s['false_h+'], s['c7'], prec))
print()
for x in sorted(falses, key=lambda x: (x[3], x[0], x[1], x[2])):
    print('\t'.join(str(y) for y in x))
