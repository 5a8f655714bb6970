// Runs one probe or lifecycle-hook action the way the kubelet's probers do: exec inside the
// container (exit code 0 succeeds), an HTTP GET from this host to the pod's IP (2xx and
// 3xx succeed), or a TCP connect. Every outcome carries the text the kubelet would put in
// its event, so "Liveness probe failed: HTTP probe failed with statuscode: 500" reads the
// same as on a real node.

import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { Container } from '../../../api/types.js';
import type { ContainerRuntime } from '../../runtime/runtime.js';
import type { Handler } from './probe-types.js';

export type ProbeResult = 'success' | 'failure';

export interface ProbeOutcome {
  result: ProbeResult;
  /** The failure text (exec: the command's output). */
  output: string;
  /** exec only: the command's exit code. */
  exitCode?: number;
}

export interface HandlerTarget {
  runtime: ContainerRuntime;
  containerId: string;
  container: Container;
  podIP: string;
}

/** The kubelet's probes say who they are; the version tracks the API we serve. */
const USER_AGENT = 'kube-probe/1.30';
/** The kubelet reads at most 10 KiB of a probe's response body. */
const MAX_BODY = 10 * 1024;

export class PortResolveError extends Error {
  readonly code = 'PortNotFound';
}

/** A port given by number, by numeric string, or by the name of one of the container's ports. */
export function resolvePort(port: number | string, container: Container): number {
  if (typeof port === 'number') return port;
  if (/^\d+$/.test(port)) return Number(port);
  const found = (container.ports ?? []).find((p) => p.name === port);
  if (!found) throw new PortResolveError(`couldn't find port: ${port} in ${container.name}`);
  return found.containerPort;
}

/**
 * anyStatus: lifecycle hooks only need the request to be answered; probes need 2xx/3xx.
 */
export async function runHandler(handler: Handler, target: HandlerTarget, timeoutSeconds: number, anyStatus = false): Promise<ProbeOutcome> {
  try {
    if (handler.exec) return await execHandler(handler.exec.command ?? [], target, timeoutSeconds);
    if (handler.httpGet) {
      const h = handler.httpGet;
      const scheme = h.scheme ?? 'HTTP';
      if (scheme !== 'HTTP' && scheme !== 'HTTPS') return { result: 'failure', output: `unsupported HTTP scheme: ${scheme}` };
      const headers: Record<string, string> = { 'User-Agent': USER_AGENT, Accept: '*/*' };
      for (const { name, value } of h.httpHeaders ?? []) headers[name] = value;
      return await httpGet(scheme, h.host || target.podIP, resolvePort(h.port, target.container), h.path || '/', headers, timeoutSeconds, anyStatus);
    }
    if (handler.tcpSocket) {
      return await tcpConnect(handler.tcpSocket.host || target.podIP, resolvePort(handler.tcpSocket.port, target.container), timeoutSeconds);
    }
    if (handler.sleep) {
      await new Promise((r) => setTimeout(r, Math.min(handler.sleep!.seconds, timeoutSeconds) * 1000));
      return { result: 'success', output: '' };
    }
    return { result: 'failure', output: 'missing probe handler' };
  } catch (err) {
    return { result: 'failure', output: (err as Error).message };
  }
}

async function execHandler(cmd: string[], t: HandlerTarget, timeoutSeconds: number): Promise<ProbeOutcome> {
  try {
    const r = await t.runtime.execSync(t.containerId, cmd, timeoutSeconds);
    const output = Buffer.concat([r.stdout, r.stderr]).toString('utf8');
    return { result: r.exitCode === 0 ? 'success' : 'failure', output, exitCode: r.exitCode };
  } catch (err) {
    if (/timed out/.test((err as Error).message)) return { result: 'failure', output: `command "${cmd.join(' ')}" timed out` };
    throw err;
  }
}

function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

function httpGet(scheme: 'HTTP' | 'HTTPS', host: string, port: number, path: string, headers: Record<string, string>, timeoutSeconds: number, anyStatus: boolean): Promise<ProbeOutcome> {
  const url = `${scheme.toLowerCase()}://${hostPort(host, port)}${path.startsWith('/') ? path : `/${path}`}`;
  return new Promise((resolve) => {
    let settled = false;
    const done = (o: ProbeOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(o);
    };
    // Redirects are not followed: a 3xx already counts as success. HTTPS probes do not
    // verify the certificate, as the kubelet's do not.
    const get = scheme === 'HTTPS' ? https.get : http.get;
    const req = get(url, { headers, agent: false, rejectUnauthorized: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (body.length < MAX_BODY) body += chunk.slice(0, MAX_BODY - body.length);
      });
      res.on('end', () => {
        const code = res.statusCode ?? 0;
        if ((code >= 200 && code < 400) || anyStatus) done({ result: 'success', output: body });
        else done({ result: 'failure', output: `HTTP probe failed with statuscode: ${code}` });
      });
      res.on('error', (err) => done({ result: 'failure', output: `Get "${url}": ${err.message}` }));
    });
    const timer = setTimeout(
      () => done({ result: 'failure', output: `Get "${url}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)` }),
      timeoutSeconds * 1000,
    );
    req.on('error', (err) => done({ result: 'failure', output: `Get "${url}": ${dialError(host, port, err)}` }));
  });
}

function tcpConnect(host: string, port: number, timeoutSeconds: number): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (o: ProbeOutcome) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(o);
    };
    const timer = setTimeout(() => done({ result: 'failure', output: `dial tcp ${hostPort(host, port)}: i/o timeout` }), timeoutSeconds * 1000);
    socket.once('connect', () => done({ result: 'success', output: '' }));
    socket.once('error', (err) => done({ result: 'failure', output: dialError(host, port, err) }));
  });
}

/** Go's wording for the common dial failures, which users grep their events for. */
function dialError(host: string, port: number, err: Error): string {
  const code = (err as NodeJS.ErrnoException).code;
  const addr = hostPort(host, port);
  if (code === 'ECONNREFUSED') return `dial tcp ${addr}: connect: connection refused`;
  if (code === 'EHOSTUNREACH') return `dial tcp ${addr}: connect: no route to host`;
  if (code === 'ECONNRESET') return `read tcp ${addr}: read: connection reset by peer`;
  return `dial tcp ${addr}: ${err.message}`;
}
