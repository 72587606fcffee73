// The Node flags the gateway runs with. `npm start` (package.json) passes the same ones, and
// bin/sluice.js re-executes itself with them when started without --no-node-snapshot.
//
// --no-node-snapshot: isolated-vm (sandboxed plugins) needs Node's startup snapshot off.
// --max-semi-space-size=32: a proxied call allocates ~50 KB, so with V8's default 16 MB
//   semi-spaces the young generation is collected every few hundred calls, each time copying the
//   in-flight calls' state; twice the room halves that work. Measured under load (test/bench):
//   6-9% less CPU per call, for ~30 MB more resident memory. A bare fastify pass-through gains
//   nothing from it (the benchmark runs it with the same flags).
export const NODE_FLAGS = ['--no-node-snapshot', '--max-semi-space-size=32'];

/** Whether `flag` (its name, before any `=`) is among `args`. */
export function hasFlag(args, flag) {
  const name = flag.split('=', 1)[0];
  return args.some((a) => a === name || a.startsWith(`${name}=`));
}
