// Drives `codex exec` through the official TypeScript SDK (@openai/codex-sdk) and prints what the
// SDK returned as one JSON object. Used by tests/parity/test_ts_sdk.py.
//
//   node run_thread.mjs <spec.json>
//
// spec.json:
//   sdkPrefix      npm --prefix the SDK is installed in (holds node_modules/@openai/codex-sdk)
//   codexPath      the binary the SDK spawns (codexPathOverride)
//   codexOptions   other `new Codex({...})` options: env, baseUrl, apiKey, config
//   threadOptions  `codex.startThread({...})` options: model, sandboxMode, workingDirectory, ...
//   turns          [{input, outputSchema?}]; input is a string or [{type:"text"|"local_image", ...}]
//                  every turn runs with `thread.run(input, {outputSchema})` on the same thread
//
// stdout: {"sdkVersion", "threadIdBeforeRun", "turns": [{"threadId", "items", "finalResponse",
// "usage"} | {"threadId", "error"}], "threadId"}. A turn that throws ends the run (exit code 1).
import { readFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const spec = JSON.parse(readFileSync(process.argv[2], "utf8"));

// The SDK is ESM-only ("exports": {".": {"import": ...}}), so resolve its entry point by hand.
const pkgDir = path.join(spec.sdkPrefix, "node_modules", "@openai", "codex-sdk");
const pkg = JSON.parse(readFileSync(path.join(pkgDir, "package.json"), "utf8"));
const exp = pkg.exports?.["."];
const entry = (typeof exp === "string" ? exp : exp?.import ?? exp?.default) ?? pkg.module ?? pkg.main;
const { Codex } = await import(pathToFileURL(path.join(pkgDir, entry)).href);

const codex = new Codex({ ...(spec.codexOptions ?? {}), codexPathOverride: spec.codexPath });
const thread = codex.startThread(spec.threadOptions ?? {});
const out = { sdkVersion: pkg.version, threadIdBeforeRun: thread.id, turns: [], threadId: null };
let failed = false;
for (const turn of spec.turns) {
  const turnOptions = turn.outputSchema ? { outputSchema: turn.outputSchema } : {};
  try {
    const result = await thread.run(turn.input, turnOptions);
    out.turns.push({
      threadId: thread.id,
      items: result.items,
      finalResponse: result.finalResponse,
      usage: result.usage,
    });
  } catch (err) {
    out.turns.push({ threadId: thread.id, error: String(err?.message ?? err) });
    failed = true;
    break;
  }
}
out.threadId = thread.id;
process.stdout.write(JSON.stringify(out) + "\n");
process.exitCode = failed ? 1 : 0;
