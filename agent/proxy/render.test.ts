// Golden text for rendered rules: each case is Services and endpoints in, the exact
// chains out. The fixed chains (masquerade, forward, guard) are shown in the first case only.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { OWNED_CHAIN } from './chain-names.js';
import { CONFIG, ep, svcPort } from './render-fixtures.js';
import { JUMPS, probability, renderRuleset, type Ruleset, type ServiceEndpoints } from './render.js';

const FIXED = /^SKIFF-(POSTROUTING|MARK-MASQ|FORWARD|GUARD)$/;

function show(rs: Ruleset, all: boolean): string {
  const out: string[] = [];
  for (const t of ['nat', 'filter'] as const) {
    out.push(`*${t}`);
    for (const [chain, rules] of rs[t]) {
      if (!all && FIXED.test(chain)) continue;
      out.push(`:${chain}`, ...rules);
    }
  }
  return out.join('\n');
}

const cases: { name: string; all: boolean; input: ServiceEndpoints[]; golden: string }[] = [
  {
    name: 'ClusterIP: one ready endpoint, an unready one left out; the fixed chains, masquerade and the guard',
    all: true,
    input: [{ svc: svcPort({ serviceName: 'web' }), endpoints: [ep('10.42.0.5'), ep('10.42.0.6', { ready: false, serving: false })] }],
    golden: `
*nat
:SKIFF-SERVICES
-A SKIFF-SERVICES ! -s 10.42.0.0/24 -d 198.18.0.0/24 -m comment --comment "cluster IP traffic from outside the pod range" -j SKIFF-MARK-MASQ
-A SKIFF-SERVICES -d 198.18.0.10/32 -p tcp -m comment --comment "default/web:http cluster IP" -m tcp --dport 80 -j SKIFF-SVC-CDGGSHYLG3RE2FKL
-A SKIFF-SERVICES ! -d 127.0.0.0/8 -m comment --comment "skiff service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j SKIFF-NODEPORTS
:SKIFF-NODEPORTS
:SKIFF-POSTROUTING
-A SKIFF-POSTROUTING -m comment --comment "a pod reaching itself through a Service" -j SKIFF-HAIRPIN
-A SKIFF-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN
-A SKIFF-POSTROUTING -j MARK --xor-mark 0x4000
-A SKIFF-POSTROUTING -m comment --comment "skiff service traffic requiring SNAT" -j MASQUERADE
:SKIFF-MARK-MASQ
-A SKIFF-MARK-MASQ -j MARK --or-mark 0x4000
:SKIFF-HAIRPIN
-A SKIFF-HAIRPIN -d 10.42.0.0/26 -j SKIFF-HP-3XWZYOQAY4BQ5VWU
:SKIFF-SVC-CDGGSHYLG3RE2FKL
-A SKIFF-SVC-CDGGSHYLG3RE2FKL -p tcp -m comment --comment "default/web:http -> 10.42.0.5:8080" -m tcp -j DNAT --to-destination 10.42.0.5:8080
:SKIFF-HP-3XWZYOQAY4BQ5VWU
-A SKIFF-HP-3XWZYOQAY4BQ5VWU -s 10.42.0.5/32 -d 10.42.0.5/32 -j MASQUERADE
*filter
:SKIFF-SERVICES
:SKIFF-EXTERNAL-SERVICES
:SKIFF-FORWARD
-A SKIFF-FORWARD -m comment --comment "skiff forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT
-A SKIFF-FORWARD -m comment --comment "skiff forwarding rules" -m mark --mark 0x8000/0x8000 -j ACCEPT
-A SKIFF-FORWARD -m comment --comment "skiff forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
:SKIFF-GUARD
-A SKIFF-GUARD -d 198.18.0.0/24 -m comment --comment "service traffic no rule translated" -j REJECT --reject-with icmp-port-unreachable
`,
  },
  {
    name: 'NodePort over UDP, three endpoints, ClientIP affinity: recent checks first, then 1/3, 1/2, the rest',
    all: false,
    input: [{ svc: svcPort({ serviceName: 'dns', portName: 'dns', protocol: 'UDP', port: 53, type: 'NodePort', nodePort: 30053, affinitySeconds: 600 }), endpoints: [ep('10.42.0.9', { port: 53 }), ep('10.42.0.7', { port: 53 }), ep('10.42.0.8', { port: 53 })] }],
    golden: `
*nat
:SKIFF-SERVICES
-A SKIFF-SERVICES ! -s 10.42.0.0/24 -d 198.18.0.0/24 -m comment --comment "cluster IP traffic from outside the pod range" -j SKIFF-MARK-MASQ
-A SKIFF-SERVICES -d 198.18.0.10/32 -p udp -m comment --comment "default/dns:dns cluster IP" -m udp --dport 53 -j SKIFF-SVC-2MBSHUE5GJKPO227
-A SKIFF-SERVICES ! -d 127.0.0.0/8 -m comment --comment "skiff service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j SKIFF-NODEPORTS
:SKIFF-NODEPORTS
-A SKIFF-NODEPORTS -p udp -m comment --comment "default/dns:dns" -m udp --dport 30053 -j SKIFF-EXT-2MBSHUE5GJKPO227
:SKIFF-HAIRPIN
-A SKIFF-HAIRPIN -d 10.42.0.0/26 -j SKIFF-HP-3XWZYOQAY4BQ5VWU
:SKIFF-SVC-2MBSHUE5GJKPO227
-A SKIFF-SVC-2MBSHUE5GJKPO227 -p udp -m comment --comment "default/dns:dns -> 10.42.0.9:53" -m recent --rcheck --seconds 600 --reap --name SKIFF-SEP-AU5F2657RNGIXD36 --mask 255.255.255.255 --rsource -m recent --set --name SKIFF-SEP-AU5F2657RNGIXD36 --mask 255.255.255.255 --rsource -m udp -j DNAT --to-destination 10.42.0.9:53
-A SKIFF-SVC-2MBSHUE5GJKPO227 -p udp -m comment --comment "default/dns:dns -> 10.42.0.7:53" -m recent --rcheck --seconds 600 --reap --name SKIFF-SEP-NC5WITAZZ64RUOZV --mask 255.255.255.255 --rsource -m recent --set --name SKIFF-SEP-NC5WITAZZ64RUOZV --mask 255.255.255.255 --rsource -m udp -j DNAT --to-destination 10.42.0.7:53
-A SKIFF-SVC-2MBSHUE5GJKPO227 -p udp -m comment --comment "default/dns:dns -> 10.42.0.8:53" -m recent --rcheck --seconds 600 --reap --name SKIFF-SEP-YKQYHF3KVOUBLLUF --mask 255.255.255.255 --rsource -m recent --set --name SKIFF-SEP-YKQYHF3KVOUBLLUF --mask 255.255.255.255 --rsource -m udp -j DNAT --to-destination 10.42.0.8:53
-A SKIFF-SVC-2MBSHUE5GJKPO227 -p udp -m comment --comment "default/dns:dns -> 10.42.0.9:53" -m statistic --mode random --probability 0.3333333333 -m recent --set --name SKIFF-SEP-AU5F2657RNGIXD36 --mask 255.255.255.255 --rsource -m udp -j DNAT --to-destination 10.42.0.9:53
-A SKIFF-SVC-2MBSHUE5GJKPO227 -p udp -m comment --comment "default/dns:dns -> 10.42.0.7:53" -m statistic --mode random --probability 0.5000000000 -m recent --set --name SKIFF-SEP-NC5WITAZZ64RUOZV --mask 255.255.255.255 --rsource -m udp -j DNAT --to-destination 10.42.0.7:53
-A SKIFF-SVC-2MBSHUE5GJKPO227 -p udp -m comment --comment "default/dns:dns -> 10.42.0.8:53" -m recent --set --name SKIFF-SEP-YKQYHF3KVOUBLLUF --mask 255.255.255.255 --rsource -m udp -j DNAT --to-destination 10.42.0.8:53
:SKIFF-EXT-2MBSHUE5GJKPO227
-A SKIFF-EXT-2MBSHUE5GJKPO227 -m comment --comment "forwarded service traffic" -j MARK --or-mark 0x8000
-A SKIFF-EXT-2MBSHUE5GJKPO227 -m comment --comment "masquerade traffic for default/dns:dns external destinations" -j SKIFF-MARK-MASQ
-A SKIFF-EXT-2MBSHUE5GJKPO227 -j SKIFF-SVC-2MBSHUE5GJKPO227
:SKIFF-HP-3XWZYOQAY4BQ5VWU
-A SKIFF-HP-3XWZYOQAY4BQ5VWU -s 10.42.0.9/32 -d 10.42.0.9/32 -j MASQUERADE
-A SKIFF-HP-3XWZYOQAY4BQ5VWU -s 10.42.0.7/32 -d 10.42.0.7/32 -j MASQUERADE
-A SKIFF-HP-3XWZYOQAY4BQ5VWU -s 10.42.0.8/32 -d 10.42.0.8/32 -j MASQUERADE
*filter
:SKIFF-SERVICES
:SKIFF-EXTERNAL-SERVICES
`,
  },
  {
    name: 'no ready endpoints: cluster IP, external IP and node port are REJECTed in filter, nothing in nat',
    all: false,
    input: [{ svc: svcPort({ serviceName: 'empty', type: 'NodePort', nodePort: 30080, externalIPs: ['203.0.113.7'] }), endpoints: [ep('10.42.0.5', { ready: false, serving: false })] }],
    golden: `
*nat
:SKIFF-SERVICES
-A SKIFF-SERVICES ! -s 10.42.0.0/24 -d 198.18.0.0/24 -m comment --comment "cluster IP traffic from outside the pod range" -j SKIFF-MARK-MASQ
-A SKIFF-SERVICES ! -d 127.0.0.0/8 -m comment --comment "skiff service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j SKIFF-NODEPORTS
:SKIFF-NODEPORTS
:SKIFF-HAIRPIN
*filter
:SKIFF-SERVICES
-A SKIFF-SERVICES -d 198.18.0.10/32 -p tcp -m comment --comment "default/empty:http has no endpoints" -m tcp --dport 80 -j REJECT --reject-with icmp-port-unreachable
:SKIFF-EXTERNAL-SERVICES
-A SKIFF-EXTERNAL-SERVICES -d 203.0.113.7/32 -p tcp -m comment --comment "default/empty:http has no endpoints" -m tcp --dport 80 -j REJECT --reject-with icmp-port-unreachable
-A SKIFF-EXTERNAL-SERVICES -p tcp -m comment --comment "default/empty:http has no endpoints" -m addrtype --dst-type LOCAL -m tcp --dport 30080 -j REJECT --reject-with icmp-port-unreachable
`,
  },
  {
    name: 'terminating but serving endpoints are used when none is ready',
    all: false,
    input: [{ svc: svcPort({ serviceName: 'drain' }), endpoints: [ep('10.42.0.5', { ready: false, serving: true, terminating: true }), ep('10.42.0.6', { ready: false, serving: false, terminating: true })] }],
    golden: `
*nat
:SKIFF-SERVICES
-A SKIFF-SERVICES ! -s 10.42.0.0/24 -d 198.18.0.0/24 -m comment --comment "cluster IP traffic from outside the pod range" -j SKIFF-MARK-MASQ
-A SKIFF-SERVICES -d 198.18.0.10/32 -p tcp -m comment --comment "default/drain:http cluster IP" -m tcp --dport 80 -j SKIFF-SVC-U3B2D3J7TWRW5PMH
-A SKIFF-SERVICES ! -d 127.0.0.0/8 -m comment --comment "skiff service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j SKIFF-NODEPORTS
:SKIFF-NODEPORTS
:SKIFF-HAIRPIN
-A SKIFF-HAIRPIN -d 10.42.0.0/26 -j SKIFF-HP-3XWZYOQAY4BQ5VWU
:SKIFF-SVC-U3B2D3J7TWRW5PMH
-A SKIFF-SVC-U3B2D3J7TWRW5PMH -p tcp -m comment --comment "default/drain:http -> 10.42.0.5:8080" -m tcp -j DNAT --to-destination 10.42.0.5:8080
:SKIFF-HP-3XWZYOQAY4BQ5VWU
-A SKIFF-HP-3XWZYOQAY4BQ5VWU -s 10.42.0.5/32 -d 10.42.0.5/32 -j MASQUERADE
*filter
:SKIFF-SERVICES
:SKIFF-EXTERNAL-SERVICES
`,
  },
  {
    name: 'LoadBalancer, externalTrafficPolicy Local: node IPs and ingress IPs; local endpoints only, DROP where there are none',
    all: false,
    input: [
      { svc: svcPort({ serviceName: 'lb', type: 'LoadBalancer', nodePort: 30443, port: 443, externalLocal: true }), endpoints: [ep('10.42.0.5', { port: 8443 }), ep('10.42.1.5', { port: 8443, local: false })] },
      { svc: svcPort({ serviceName: 'lb2', clusterIP: '198.18.0.11', type: 'LoadBalancer', nodePort: 30444, port: 443, externalLocal: true, loadBalancerIPs: ['192.0.2.10', '192.0.2.99'] }), endpoints: [ep('10.42.1.6', { port: 8443, local: false })] },
    ],
    golden: `
*nat
:SKIFF-SERVICES
-A SKIFF-SERVICES ! -s 10.42.0.0/24 -d 198.18.0.0/24 -m comment --comment "cluster IP traffic from outside the pod range" -j SKIFF-MARK-MASQ
-A SKIFF-SERVICES -d 198.18.0.11/32 -p tcp -m comment --comment "default/lb2:http cluster IP" -m tcp --dport 443 -j SKIFF-SVC-LBYPAOV3RZZSNGQI
-A SKIFF-SERVICES -d 192.0.2.10/32 -p tcp -m comment --comment "default/lb2:http loadbalancer IP" -m tcp --dport 443 -j SKIFF-EXT-LBYPAOV3RZZSNGQI
-A SKIFF-SERVICES -d 192.0.2.99/32 -p tcp -m comment --comment "default/lb2:http loadbalancer IP" -m tcp --dport 443 -j SKIFF-EXT-LBYPAOV3RZZSNGQI
-A SKIFF-SERVICES -d 198.18.0.10/32 -p tcp -m comment --comment "default/lb:http cluster IP" -m tcp --dport 443 -j SKIFF-SVC-JSLCNGWSGB5JPS5Q
-A SKIFF-SERVICES -d 192.0.2.10/32 -p tcp -m comment --comment "default/lb:http loadbalancer IP" -m tcp --dport 443 -j SKIFF-EXT-JSLCNGWSGB5JPS5Q
-A SKIFF-SERVICES ! -d 127.0.0.0/8 -m comment --comment "skiff service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j SKIFF-NODEPORTS
:SKIFF-NODEPORTS
-A SKIFF-NODEPORTS -p tcp -m comment --comment "default/lb2:http" -m tcp --dport 30444 -j SKIFF-EXT-LBYPAOV3RZZSNGQI
-A SKIFF-NODEPORTS -p tcp -m comment --comment "default/lb:http" -m tcp --dport 30443 -j SKIFF-EXT-JSLCNGWSGB5JPS5Q
:SKIFF-HAIRPIN
-A SKIFF-HAIRPIN -d 10.42.0.0/26 -j SKIFF-HP-3XWZYOQAY4BQ5VWU
:SKIFF-SVC-LBYPAOV3RZZSNGQI
-A SKIFF-SVC-LBYPAOV3RZZSNGQI -p tcp -m comment --comment "default/lb2:http -> 10.42.1.6:8443" -m tcp -j DNAT --to-destination 10.42.1.6:8443
:SKIFF-EXT-LBYPAOV3RZZSNGQI
-A SKIFF-EXT-LBYPAOV3RZZSNGQI -m comment --comment "forwarded service traffic" -j MARK --or-mark 0x8000
-A SKIFF-EXT-LBYPAOV3RZZSNGQI -s 10.42.0.0/24 -m comment --comment "pod traffic for default/lb2:http external destinations" -j SKIFF-SVC-LBYPAOV3RZZSNGQI
-A SKIFF-EXT-LBYPAOV3RZZSNGQI -m comment --comment "masquerade LOCAL traffic for default/lb2:http external destinations" -m addrtype --src-type LOCAL -j SKIFF-MARK-MASQ
-A SKIFF-EXT-LBYPAOV3RZZSNGQI -m comment --comment "route LOCAL traffic for default/lb2:http external destinations" -m addrtype --src-type LOCAL -j SKIFF-SVC-LBYPAOV3RZZSNGQI
:SKIFF-SVC-JSLCNGWSGB5JPS5Q
-A SKIFF-SVC-JSLCNGWSGB5JPS5Q -p tcp -m comment --comment "default/lb:http -> 10.42.0.5:8443" -m statistic --mode random --probability 0.5000000000 -m tcp -j DNAT --to-destination 10.42.0.5:8443
-A SKIFF-SVC-JSLCNGWSGB5JPS5Q -p tcp -m comment --comment "default/lb:http -> 10.42.1.5:8443" -m tcp -j DNAT --to-destination 10.42.1.5:8443
:SKIFF-EXT-JSLCNGWSGB5JPS5Q
-A SKIFF-EXT-JSLCNGWSGB5JPS5Q -m comment --comment "forwarded service traffic" -j MARK --or-mark 0x8000
-A SKIFF-EXT-JSLCNGWSGB5JPS5Q -s 10.42.0.0/24 -m comment --comment "pod traffic for default/lb:http external destinations" -j SKIFF-SVC-JSLCNGWSGB5JPS5Q
-A SKIFF-EXT-JSLCNGWSGB5JPS5Q -m comment --comment "masquerade LOCAL traffic for default/lb:http external destinations" -m addrtype --src-type LOCAL -j SKIFF-MARK-MASQ
-A SKIFF-EXT-JSLCNGWSGB5JPS5Q -m comment --comment "route LOCAL traffic for default/lb:http external destinations" -m addrtype --src-type LOCAL -j SKIFF-SVC-JSLCNGWSGB5JPS5Q
-A SKIFF-EXT-JSLCNGWSGB5JPS5Q -p tcp -m comment --comment "default/lb:http -> 10.42.0.5:8443" -m tcp -j DNAT --to-destination 10.42.0.5:8443
:SKIFF-HP-3XWZYOQAY4BQ5VWU
-A SKIFF-HP-3XWZYOQAY4BQ5VWU -s 10.42.0.5/32 -d 10.42.0.5/32 -j MASQUERADE
*filter
:SKIFF-SERVICES
:SKIFF-EXTERNAL-SERVICES
-A SKIFF-EXTERNAL-SERVICES -d 192.0.2.10/32 -p tcp -m comment --comment "default/lb2:http has no local endpoints" -m tcp --dport 443 -j DROP
-A SKIFF-EXTERNAL-SERVICES -d 192.0.2.99/32 -p tcp -m comment --comment "default/lb2:http has no local endpoints" -m tcp --dport 443 -j DROP
-A SKIFF-EXTERNAL-SERVICES -p tcp -m comment --comment "default/lb2:http has no local endpoints" -m addrtype --dst-type LOCAL -m tcp --dport 30444 -j DROP
`,
  },
];

describe('renderRuleset', () => {
  for (const c of cases) {
    test(c.name, () => {
      assert.equal(show(renderRuleset(c.input, CONFIG), c.all), c.golden.trim());
    });
  }

  test('the same Services in another order render the same text', () => {
    const a = { svc: svcPort({ serviceName: 'a' }), endpoints: [ep('10.42.0.2'), ep('10.42.0.3')] };
    const b = { svc: svcPort({ serviceName: 'b', clusterIP: '198.18.0.12' }), endpoints: [ep('10.42.0.4')] };
    assert.equal(show(renderRuleset([a, b], CONFIG), true), show(renderRuleset([b, a], CONFIG), true));
  });

  test('every chain is owned and within the 28-character limit; every jump target exists', () => {
    const rs = renderRuleset(cases.flatMap((c) => c.input), CONFIG);
    for (const t of ['nat', 'filter'] as const) {
      for (const [chain, rules] of rs[t]) {
        assert.match(chain, OWNED_CHAIN);
        assert.ok(chain.length <= 28, chain);
        for (const r of rules) {
          const target = / -j (SKIFF-\S+)/.exec(r)?.[1];
          if (target) assert.ok(rs[t].has(target), `${r} jumps to a chain that is not rendered`);
        }
      }
    }
    for (const j of JUMPS) assert.ok(rs[j.table].has(j.target), j.target);
  });

  test('hairpin: one rule per local endpoint address however many Services it serves, one chain per /26', () => {
    const rs = renderRuleset(
      [
        { svc: svcPort({ serviceName: 'a' }), endpoints: [ep('10.42.0.5'), ep('10.42.1.7'), ep('10.42.2.9', { local: false })] },
        { svc: svcPort({ serviceName: 'b', clusterIP: '198.18.0.12', port: 81 }), endpoints: [ep('10.42.0.5')] },
      ],
      CONFIG,
    );
    const dispatch = rs.nat.get('SKIFF-HAIRPIN')!;
    assert.deepEqual(dispatch.map((r) => r.split(' ')[3]), ['10.42.0.0/26', '10.42.1.0/26']);
    const rules = dispatch.map((r) => rs.nat.get(r.split(' -j ')[1]!)!);
    assert.deepEqual(rules.map((c) => c.map((r) => r.split(' ').slice(2, 6).join(' '))), [['-s 10.42.0.5/32 -d 10.42.0.5/32'], ['-s 10.42.1.7/32 -d 10.42.1.7/32']]);
  });

  test('without a pod range there is no off-pod masquerade rule', () => {
    const rs = renderRuleset([{ svc: svcPort({ serviceName: 'web' }), endpoints: [ep('10.42.0.5')] }], { serviceCIDR: '198.18.0.0/24', nodeIPs: [] });
    assert.ok(![...rs.nat.values()].flat().some((r) => r.includes('! -s ')));
  });

  test('probabilities: ten decimals, the last endpoint takes the rest', () => {
    assert.deepEqual([4, 3, 2].map(probability), ['0.2500000000', '0.3333333333', '0.5000000000']);
  });
});
