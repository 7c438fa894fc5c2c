/**
 * Entry of a function worker thread (./pool.ts). The parent may run under vitest or tsx, whose
 * loaders a worker does not inherit reliably, so the worker registers tsx itself (the pool starts
 * it with empty execArgv, so it is registered once) and then loads the TypeScript worker.
 */
import { register } from "tsx/esm/api";

register();
await import(new URL("./function-worker.ts", import.meta.url).href);
