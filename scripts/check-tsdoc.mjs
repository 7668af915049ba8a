#!/usr/bin/env node
// Lint: every exported declaration in packages/*/src carries a TSDoc comment.
// Fails (exit 1) listing each undocumented export as file:line name.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

const root = new URL('..', import.meta.url).pathname;
const files = [];
function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (path.endsWith('.ts') && !path.endsWith('.d.ts')) files.push(path);
  }
}
for (const pkg of readdirSync(join(root, 'packages'))) {
  const src = join(root, 'packages', pkg, 'src');
  try {
    walk(src);
  } catch {
    // a package without src yet
  }
}

const hasDoc = (node, text) => (ts.getLeadingCommentRanges(text, node.getFullStart()) ?? []).some((r) => text.slice(r.pos, r.pos + 3) === '/**');
const exported = (node) => ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);

const missing = [];
for (const file of files) {
  const text = readFileSync(file, 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  for (const node of source.statements) {
    if (!exported(node)) continue;
    if (ts.isExportDeclaration(node)) continue; // re-exports are documented where they are declared
    if (hasDoc(node, text)) continue;
    const name = node.name?.getText(source) ?? node.declarationList?.declarations.map((d) => d.name.getText(source)).join(', ') ?? '?';
    const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
    missing.push(`${relative(root, file)}:${line + 1} ${name}`);
  }
}
if (missing.length > 0) {
  console.error(`exports without a TSDoc comment (${missing.length}):\n  ${missing.join('\n  ')}`);
  process.exit(1);
}
console.log(`tsdoc: ${files.length} files, every export documented`);
