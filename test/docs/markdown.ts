/**
 * Reading the documentation as data: the Markdown files, their fenced code blocks, the `prunekit …` command lines
 * in them (continuations joined, comments and `[optional]` brackets dropped) and their relative links.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../helpers/fixtures-path.js';

export interface DocFile {
  /** Path relative to the repository root, e.g. `docs/prune.md`. */
  readonly file: string;
  readonly text: string;
}

/** README.md and every docs/*.md. */
export function docFiles(): DocFile[] {
  const docs = readdirSync(path.join(REPO_ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`);
  return ['README.md', ...docs].map((file) => ({ file, text: readFileSync(path.join(REPO_ROOT, file), 'utf8') }));
}

export interface CodeBlock {
  readonly lang: string;
  readonly body: string;
}

export function codeBlocks(text: string): CodeBlock[] {
  const out: CodeBlock[] = [];
  for (const m of text.matchAll(/^```([\w-]*)\n([\s\S]*?)^```$/gm)) out.push({ lang: m[1] ?? '', body: m[2] ?? '' });
  return out;
}

/** Whitespace-separated words of a shell line, quotes removed (no expansion: the examples need none). */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  for (const m of line.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)) words.push(m[1] ?? m[2] ?? m[3] ?? '');
  return words;
}

/** The `prunekit …` invocations of a shell block, each as its words after `prunekit`. */
export function prunekitCommands(body: string): string[][] {
  const joined = body.replace(/\\\n\s*/g, ' ');
  const out: string[][] = [];
  for (const raw of joined.split('\n')) {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    for (const part of line.split(/&&|;/)) {
      const words = shellWords(part.replace(/[[\]]/g, ' '));
      const at = words.findIndex((w) => w === 'prunekit');
      if (at >= 0 && (at === 0 || words[at - 1] === 'npx')) out.push(words.slice(at + 1));
    }
  }
  return out;
}

/** Inline code spans that are a `prunekit …` command line. */
export function inlineCommands(text: string): string[][] {
  const prose = text.replace(/^```[\s\S]*?^```$/gm, '');
  return [...prose.matchAll(/`prunekit ([^`]+)`/g)].map((m) => shellWords((m[1] ?? '').replace(/[[\]]/g, ' ')));
}

export interface Link {
  readonly target: string;
  readonly anchor: string | undefined;
}

/** Relative links `[text](target#anchor)` (http(s) and mailto links are left out). */
export function relativeLinks(text: string): Link[] {
  const prose = text.replace(/^```[\s\S]*?^```$/gm, '');
  const out: Link[] = [];
  for (const m of prose.matchAll(/\]\(([^)\s]+)\)/g)) {
    const href = m[1] ?? '';
    if (/^[a-z]+:/.test(href)) continue;
    const [target = '', anchor] = href.split('#');
    out.push({ target, anchor });
  }
  return out;
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
export function headingAnchors(text: string): Set<string> {
  const prose = text.replace(/^```[\s\S]*?^```$/gm, '');
  const anchors = new Set<string>();
  for (const m of prose.matchAll(/^#{1,6} (.+)$/gm)) {
    anchors.add(
      (m[1] ?? '')
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s_-]/gu, '')
        .replace(/ /g, '-'),
    );
  }
  return anchors;
}
