// Builds the embed: js/embed/*.js (ES modules) and embed.css → one minified file, with
// local names shortened, at readerfund/campaigns/bundle/embed.js. That file is committed
// and ships in the Python package (pip install needs no Node). `--check` builds in memory
// and fails when the committed file differs: the build is stale (scripts/test runs it).
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const source = join(root, "js", "embed");
const target = join(root, "readerfund", "campaigns", "bundle", "embed.js");
const browsers = ["chrome100", "firefox101", "safari16.4"]; // adoptedStyleSheets everywhere

const styles = await esbuild.transform(readFileSync(join(source, "embed.css"), "utf8"), {
  loader: "css", minify: true, target: browsers,
});
const bundle = await esbuild.build({
  entryPoints: [join(source, "main.js")],
  bundle: true, write: false, format: "iife", minify: true, target: browsers,
  legalComments: "none", charset: "utf8",
  define: { STYLES: JSON.stringify(styles.code.trim()) },
});
const built = bundle.outputFiles[0].text;
if (built.split("__READERFUND_PLAYBOOK__").length !== 2) throw new Error("the playbook's place must appear once");

if (process.argv.includes("--check")) {
  let committed = "";
  try { committed = readFileSync(target, "utf8"); } catch {}
  if (committed !== built) {
    console.error(`${target} is stale: run  npm run build  and commit it.`);
    process.exit(1);
  }
  console.log("embed build is up to date");
} else {
  writeFileSync(target, built);
  console.log(`wrote ${target} (${built.length} bytes)`);
}
