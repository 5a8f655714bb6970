// `skiff token create|list|delete`: bootstrap tokens for joining nodes, as `kubeadm token`
// and `k3s token` manage them. Run on the control host: it speaks to the control server's
// API with <data-dir>/admin.kubeconfig (or --kubeconfig), so the server validates and stores
// the kube-system Secret, every control server sharing the store sees it at once, and the
// store is never opened behind the server's back.

import { join } from 'node:path';
import { ApiClient } from '../../api/client.js';
import { isNotFound } from '../../api/errors.js';
import { caHashOfPem, formatBootstrapJoinToken } from '../../api/join-token.js';
import { readKubeconfig } from '../../api/kubeconfig.js';
import { resources } from '../../api/resources.js';
import type { Secret } from '../../api/service-types.js';
import {
  BOOTSTRAP_TOKEN_NAMESPACE,
  bootstrapTokenSecret,
  bootstrapTokenSecretName,
  generateBootstrapToken,
  readBootstrapTokenSecret,
  rfc3339,
} from '../../control/pki/bootstrap-tokens.js';
import { parseFlags, str, usage, UsageError, type FlagSpec } from '../cli-flags.js';

const flags: FlagSpec[] = [
  { name: 'data-dir', description: 'The control server\'s data dir (its admin.kubeconfig is used)', default: '/var/lib/skiff/control', placeholder: 'DIR' },
  { name: 'kubeconfig', description: 'Admin kubeconfig to use instead of <data-dir>/admin.kubeconfig', placeholder: 'FILE' },
  { name: 'ttl', description: 'create: how long the token is valid (e.g. 30m, 24h; 0 = never expires)', default: '24h', placeholder: 'DURATION' },
  { name: 'description', description: 'create: a note shown by skiff token list', placeholder: 'TEXT' },
];

const summary = [
  'Manages bootstrap tokens that let new hosts join (skiff agent --token K10…::<id>.<secret>).',
  '',
  'Subcommands:',
  '  create        Create a token and print it in join form',
  '  list          List tokens: id, TTL, expiry, description (never the secret)',
  '  delete ID     Delete a token (nodes that already joined keep their own credentials)',
].join('\n');

/** Go-style durations: 90s, 30m, 24h, 1h30m; "0" means no expiry. */
export function parseTtl(value: string): number {
  if (value === '0') return 0;
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let total = 0;
  let m: RegExpExecArray | null;
  let consumed = 0;
  while ((m = re.exec(value))) {
    total += Number(m[1]) * { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
    consumed = re.lastIndex;
  }
  if (consumed !== value.length || value === '') throw new UsageError(`--ttl ${value}: expected a duration such as 30m, 24h or 1h30m (0: never expires)`);
  return total;
}

/** kubeadm's TTL column: the rounded time left, or <forever> / <invalid> (expired). */
function ttlColumn(expiration: Date | undefined, now: Date): string {
  if (!expiration) return '<forever>';
  const left = expiration.getTime() - now.getTime();
  if (left <= 0) return '<invalid>';
  const s = Math.round(left / 1000);
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  return `${Math.round(s / 3600)}h`;
}

async function client(f: ReturnType<typeof parseFlags>): Promise<{ api: ApiClient; caPem: string }> {
  const path = str(f, 'kubeconfig') ?? join(str(f, 'data-dir')!, 'admin.kubeconfig');
  let creds;
  try {
    creds = await readKubeconfig(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot read ${path}: ${code === 'ENOENT' ? 'no such file (is this the control host? pass --data-dir or --kubeconfig)' : (err as Error).message}`);
  }
  return { api: new ApiClient({ server: creds.server, token: creds.token, caPem: creds.caPem, userAgent: 'skiff-token' }), caPem: creds.caPem };
}

export async function tokenCommand(argv: string[]): Promise<void> {
  const [sub, ...rest] = argv;
  const positional = rest.filter((a, i) => !a.startsWith('-') && (i === 0 || !rest[i - 1]!.startsWith('--') || rest[i - 1]!.includes('=')));
  const f = parseFlags(rest.filter((a) => !positional.includes(a)), flags);
  if (!sub || sub === '--help' || sub === '-h' || f['help']) return console.log(usage('token create|list|delete', summary, flags));
  const { api, caPem } = await client(f);
  try {
    switch (sub) {
      case 'create': {
        if (positional.length) throw new UsageError(`skiff token create takes no arguments (got ${positional.join(' ')})`);
        const ttl = parseTtl(str(f, 'ttl')!);
        const t = generateBootstrapToken();
        const secret = bootstrapTokenSecret({ id: t.id, secret: t.secret, expiration: ttl ? new Date(Date.now() + ttl) : undefined, description: str(f, 'description') });
        await api.create(resources.secrets, secret, BOOTSTRAP_TOKEN_NAMESPACE);
        return console.log(formatBootstrapJoinToken(caHashOfPem(caPem), t.token));
      }
      case 'list': {
        const out = await api.list<Secret>(resources.secrets, { namespace: BOOTSTRAP_TOKEN_NAMESPACE, fieldSelector: 'type=bootstrap.kubernetes.io/token' });
        const now = new Date();
        const rows = [['ID', 'TTL', 'EXPIRES', 'USAGES', 'DESCRIPTION']];
        for (const s of out.items) {
          const t = readBootstrapTokenSecret(s);
          if (!t) continue;
          rows.push([t.id, ttlColumn(t.expiration, now), t.expiration ? rfc3339(t.expiration) : '<never>', t.usableForAuthentication ? 'authentication' : '<none>', t.description ?? '<none>']);
        }
        const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
        return console.log(rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]! + 3))).join('')).join('\n'));
      }
      case 'delete': {
        if (positional.length === 0) throw new UsageError('skiff token delete needs the ID (or the whole token) of a token to delete');
        for (const arg of positional) {
          // Accept what create printed (K10…::id.secret), id.secret, or the bare id, as kubeadm does.
          const id = (arg.split('::').pop() ?? arg).split('.')[0]!;
          if (!/^[a-z0-9]{6}$/.test(id)) throw new UsageError(`${arg}: a token id is 6 characters [a-z0-9]`);
          try {
            await api.request('DELETE', `/api/v1/namespaces/${BOOTSTRAP_TOKEN_NAMESPACE}/secrets/${bootstrapTokenSecretName(id)}`);
          } catch (err) {
            if (isNotFound(err)) throw new UsageError(`bootstrap token "${id}" not found`);
            throw err;
          }
          console.log(`bootstrap token "${id}" deleted`);
        }
        return;
      }
      default:
        throw new UsageError(`unknown subcommand "${sub}": expected create, list or delete`);
    }
  } finally {
    api.close();
  }
}
