// Bearer-token authentication. Fixed tokens (the cluster admin's) are looked up by their
// SHA-256, so the comparison never leaks timing about the secret itself; other token kinds
// (per-node credentials kept in the store) plug in as TokenAuthenticators, tried in order,
// as Kubernetes' union authenticator does. Anything without a known token is 401.

import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { errors } from '../../api/errors.js';

export interface UserInfo {
  name: string;
  groups: string[];
}

/** One kind of bearer token: undefined when the token is not of this kind or not known. */
export interface TokenAuthenticator {
  authenticateToken(token: string): Promise<UserInfo | undefined>;
}

function digest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export class Authenticator {
  private readonly users = new Map<string, UserInfo>();
  private readonly others: TokenAuthenticator[] = [];

  addToken(token: string, user: UserInfo): void {
    this.users.set(digest(token), user);
  }

  addAuthenticator(a: TokenAuthenticator): void {
    this.others.push(a);
  }

  async authenticate(req: IncomingMessage): Promise<UserInfo> {
    const token = bearerToken(req);
    if (!token) throw errors.unauthorized();
    const user = this.users.get(digest(token));
    if (user) return user;
    for (const a of this.others) {
      const found = await a.authenticateToken(token);
      if (found) return found;
    }
    throw errors.unauthorized();
  }
}

/** The bearer token of a request: the Authorization header, or a websocket subprotocol. */
export function bearerToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization ?? '';
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  // Websocket clients that cannot set headers (browsers) send the token as a subprotocol.
  return match?.[1] ?? bearerFromProtocols(req.headers['sec-websocket-protocol']);
}

function bearerFromProtocols(header: string | undefined): string | undefined {
  for (const p of (header ?? '').split(',').map((s) => s.trim())) {
    if (p.startsWith('base64url.bearer.authorization.k8s.io.')) {
      return Buffer.from(p.slice('base64url.bearer.authorization.k8s.io.'.length), 'base64url').toString('utf8');
    }
  }
  return undefined;
}
