/**
 * Every SQL statement lives in a named file under sql/. This scans the string literals of
 * src/**\/*.ts (with the TypeScript parser, so comments and regular expressions never confuse it)
 * for statement-shaped text. Each one found must be listed in sql/README.md's "Statements still in
 * src/" table (file, how the text starts, why it stays), and each listed one must still exist.
 */
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const ROOT = path.resolve(__dirname, '../..');
const SRC = path.join(ROOT, 'src');
const README = path.join(ROOT, 'sql/README.md');

/**
 * How a statement starts. Uppercase keywords only: the project writes SQL keywords in capitals,
 * and messages such as "COPY role exists" or "SELECT 1 failed" must not count.
 */
const STATEMENT_SHAPES: RegExp[] = [
  /^SELECT\s[\s\S]*\bFROM\s/,
  /^SELECT\s+[a-z_]+\s*\(/,
  /^SELECT\s+\d+$/,
  // A statement whose FROM comes in a substitution (`SELECT … ${from}`).
  /^SELECT\s[\s\S]*\b(ORDER BY|GROUP BY|WHERE|LIMIT)\s/,
  /^INSERT\s+INTO\s/,
  /^UPDATE\s+\S+\s+SET\s/,
  /^DELETE\s+FROM\s/,
  /^(CREATE|DROP)\s+(TEMP\s+|TEMPORARY\s+)?(TABLE|VIEW|INDEX|DATABASE|SCHEMA)\b/,
  /^(ALTER|LOCK)\s+TABLE\s/,
  /^TRUNCATE\s/,
  /^COPY\s+\S+\s*(\(|FROM\b|TO\b)/,
  /^(ANALYZE|VACUUM)\s+\S/,
  /^WITH\s+\w+\s+AS\s*\(/,
  /^(BEGIN|COMMIT|ROLLBACK)$/,
];

function looksLikeStatement(text: string): boolean {
  const t = text.trim();
  return STATEMENT_SHAPES.some((shape) => shape.test(t));
}

interface Found {
  file: string;
  line: number;
  /** The literal's text, each `${…}` substitution shown as `…`. */
  text: string;
}

const isConcatenation = (node: ts.Node | undefined): node is ts.BinaryExpression =>
  node !== undefined && ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.PlusToken;

/** A literal's text, or a `'…' + x + '…'` chain's, joined (anything not a literal shows as `…`). */
function literalText(node: ts.Node): string | undefined {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  if (ts.isTemplateExpression(node)) return node.head.text + node.templateSpans.map((s) => `…${s.literal.text}`).join('');
  if (ts.isParenthesizedExpression(node)) return literalText(node.expression);
  if (isConcatenation(node)) {
    const left = literalText(node.left);
    const right = literalText(node.right);
    return left === undefined && right === undefined ? undefined : `${left ?? '…'}${right ?? '…'}`;
  }
  return undefined;
}

function statementsIn(file: string): Found[] {
  const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const found: Found[] = [];
  const visit = (node: ts.Node): void => {
    // A chain is judged whole, from its outermost `+`.
    const inChain = isConcatenation(node.parent) || (node.parent !== undefined && ts.isParenthesizedExpression(node.parent) && isConcatenation(node.parent.parent));
    const text = inChain ? undefined : literalText(node);
    if (text !== undefined && looksLikeStatement(text)) {
      const line = source.getLineAndCharacterOfPosition(node.getStart()).line + 1;
      found.push({ file: path.relative(ROOT, file).split(path.sep).join('/'), line, text: text.trim() });
      return;
    }
    // A template's substitutions may hold literals of their own.
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(full);
    return e.name.endsWith('.ts') ? [full] : [];
  });
}

interface Allowed {
  file: string;
  /** The start of the literal's text, as the scan shows it (`…` for a substitution). */
  start: string;
  reason: string;
}

/** The rows of the table under "## Statements still in src/": | `file` | `start` | reason |. */
function allowList(): Allowed[] {
  const text = fs.readFileSync(README, 'utf8');
  const section = text.split(/^## /m).find((s) => s.startsWith('Statements still in src/'));
  if (!section) throw new Error('sql/README.md has no "## Statements still in src/" section');
  return section
    .split('\n')
    .filter((l) => /^\|\s*`/.test(l))
    .map((l) => {
      const cells = l.split(/(?<!\\)\|/).slice(1, -1).map((c) => c.trim());
      const unquote = (c: string) => c.replace(/^`|`$/g, '').replace(/\\\|/g, '|');
      return { file: unquote(cells[0]), start: unquote(cells[1]), reason: cells[2] ?? '' };
    });
}

const isAllowed = (f: Found, a: Allowed) => f.file === a.file && f.text.startsWith(a.start);

describe('SQL statements in src/', () => {
  const found = sourceFiles(SRC).flatMap(statementsIn);
  const allowed = allowList();

  test('the scan recognises statements and passes over messages', () => {
    expect(looksLikeStatement('DELETE FROM … WHERE run_id = …')).toBe(true);
    expect(looksLikeStatement(' SELECT COUNT(*) AS n FROM songplays')).toBe(true);
    expect(looksLikeStatement("SELECT pg_advisory_xact_lock(hashtext('x'))")).toBe(true);
    expect(looksLikeStatement('LOCK TABLE … IN SHARE ROW EXCLUSIVE MODE')).toBe(true);
    expect(looksLikeStatement('COPY … (…) FROM STDIN')).toBe(true);
    expect(looksLikeStatement('COPY role exists')).toBe(false);
    expect(looksLikeStatement('SELECT 1 failed: …')).toBe(false);
    expect(looksLikeStatement('quality check "…" failed')).toBe(false);
    // The scan itself finds statements: this file's own shapes list is not in src/, but src/ has listed ones.
    expect(found.length).toBeGreaterThan(0);
  });

  test('every statement in src/ is listed in sql/README.md, with a reason', () => {
    const unlisted = found.filter((f) => !allowed.some((a) => isAllowed(f, a)));
    expect(unlisted.map((f) => `${f.file}:${f.line} ${f.text.slice(0, 100)}`)).toEqual([]);
    for (const a of allowed) expect(`${a.file} ${a.start}: ${a.reason.length > 10 ? 'has a reason' : 'no reason'}`).toBe(`${a.file} ${a.start}: has a reason`);
  });

  test('every statement sql/README.md lists is still in src/ (the list stays short and true)', () => {
    const stale = allowed.filter((a) => !found.some((f) => isAllowed(f, a)));
    expect(stale.map((a) => `${a.file} ${a.start}`)).toEqual([]);
  });
});
