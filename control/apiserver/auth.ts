// Bearer-token authentication. Tokens are looked up by their SHA-256, so the comparison
// never leaks timing about the secret itself. Anything without a known token is 401.

import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { errors } from '../../api/errors.js';

export interface UserInfo {
  name: string;
  groups: string[];
}

function digest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export class Authenticator {
  private readonly users = new Map<string, UserInfo>();

  addToken(token: string, user: UserInfo): void {
    this.users.set(digest(token), user);
  }

  authenticate(req: IncomingMessage): UserInfo {
    const header = req.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    // Websocket clients that cannot set headers (browsers) send the token as a subprotocol.
    const token = match?.[1] ?? bearerFromProtocols(req.headers['sec-websocket-protocol']);
    const user = token ? this.users.get(digest(token)) : undefined;
    if (!user) throw errors.unauthorized();
    return user;
  }
}

function bearerFromProtocols(header: string | undefined): string | undefined {
  for (const p of (header ?? '').split(',').map((s) => s.trim())) {
    if (p.startsWith('base64url.bearer.authorization.k8s.io.')) {
      return Buffer.from(p.slice('base64url.bearer.authorization.k8s.io.'.length), 'base64url').toString('utf8');
    }
  }
  return undefined;
}
