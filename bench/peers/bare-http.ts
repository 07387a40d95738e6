// The bare route: node:http answering every request with a tiny JSON once its body is read, and
// nothing else. bench/ceilings.ts loads it with the benches' load client to measure that client's
// own ceiling on this machine (PORT).
import { createServer } from 'node:http';

const port = Number(process.env.PORT);
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
});
server.keepAliveTimeout = 60_000;
server.listen(port, '127.0.0.1');
