#!/usr/bin/env node
// Generates src/schema.d.ts from the repository's committed openapi.json with openapi-typescript.
//
//   node scripts/generate.mjs          rewrite src/schema.d.ts
//   node scripts/generate.mjs --check  exit 1 if src/schema.d.ts is not what openapi.json gives
//
// Rerun it (`npm run generate` in clients/typescript) whenever openapi.json changes; the
// workspace's tests run the check and fail on a stale file.
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import openapiTS, { astToString } from "openapi-typescript";

const here = dirname(fileURLToPath(import.meta.url));
const spec = join(here, "..", "..", "..", "openapi.json");
const target = join(here, "..", "src", "schema.d.ts");

const header =
  "// Generated from openapi.json by scripts/generate.mjs (openapi-typescript). Do not edit:\n" +
  "// run `npm run generate` in clients/typescript after openapi.json changes.\n\n";
const ast = await openapiTS(pathToFileURL(spec), { alphabetize: false });
const text = header + astToString(ast);

if (process.argv.includes("--check")) {
  let current = "";
  try {
    current = readFileSync(target, "utf8");
  } catch {
    // missing: stale
  }
  if (current !== text) {
    console.error(
      "clients/typescript/src/schema.d.ts is stale: openapi.json changed. " +
        "Run `npm run generate` in clients/typescript and commit the result.",
    );
    process.exit(1);
  }
  console.log("clients/typescript/src/schema.d.ts matches openapi.json");
} else {
  writeFileSync(target, text);
  console.log(`wrote ${target}`);
}
