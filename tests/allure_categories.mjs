// Files results into categories with Allure's own code, as a report would: node allure_categories.mjs CATEGORIES RESULTS
// Prints, per result, the category Allure 3 files it under (first match wins) and every category the classic
// report (Allure 2 style) lists it under. Results: a JSON list of {status, message, trace}.
import { readFileSync } from "node:fs";
import { matchCategory, normalizeCategoriesConfig } from "@allurereport/core-api";

const classic = await import(new URL("../node_modules/@allurereport/plugin-classic/dist/categories.js", import.meta.url));
const categories = JSON.parse(readFileSync(process.argv[2], "utf8"));
const results = JSON.parse(readFileSync(process.argv[3], "utf8"));
const rules = normalizeCategoriesConfig(categories);
const filed = results.map(({ status, message, trace }) => ({
  first: matchCategory(rules, { status, message, trace, labels: [] })?.name ?? null,
  all: classic.matchCategories(categories, { status, statusMessage: message, statusTrace: trace, flaky: false })
    .map((c) => c.name),
}));
console.log(JSON.stringify(filed));
