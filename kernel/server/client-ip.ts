/**
 * The client's address. Without trusted proxies it is the socket's peer and `X-Forwarded-For` is
 * ignored: anyone can write that header. With them (server.trusted_proxies), the header is walked
 * from the right, one hop at a time, while the hop that appended it is a trusted proxy — so a
 * client cannot claim an address by sending the header itself (LiteLLM's use_x_forwarded_for
 * believes the leftmost entry from anyone).
 */
import type { IncomingMessage } from 'node:http';
import proxyAddr from '@fastify/proxy-addr';

export type ClientIp = (req: IncomingMessage) => string;

const PEER: ClientIp = (req) => req.socket.remoteAddress ?? '';

export function clientIpResolver(trustedProxies: readonly string[] | undefined): ClientIp {
  if (!trustedProxies || trustedProxies.length === 0) return PEER;
  const trust = proxyAddr.compile([...trustedProxies]);
  return (req) => (req.headers['x-forwarded-for'] === undefined ? PEER(req) : proxyAddr(req, trust));
}
