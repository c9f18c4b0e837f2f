// A reverse proxy that sends each request to the next upstream in turn, with no session affinity:
// what a plain load balancer in front of several replicas does. Streams both ways, so SSE
// responses pass as they come. Used by scripts/conformance.mjs for its cluster mode.
import { createServer, request } from 'node:http';

/**
 * Starts the proxy on a free loopback port in front of `upstreams` (URLs of MCP endpoints);
 * resolves with its endpoint URL and a `close` that ends it and its open requests.
 */
export async function startRoundRobinProxy(upstreams) {
  let next = 0;
  const server = createServer((req, res) => {
    const target = new URL(upstreams[next++ % upstreams.length]);
    const forwarded = request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        res.flushHeaders();
        answer.pipe(res);
      },
    );
    forwarded.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    // The client went away: so does the request to the upstream.
    res.on('close', () => forwarded.destroy());
    req.pipe(forwarded);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `http://localhost:${port}/mcp`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
