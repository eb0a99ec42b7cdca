/**
 * A small checker of JSON shapes for workflow inputs. It replaces zod inside the workflow sandbox:
 * the sandbox evaluates a workflow's modules again for every workflow, and evaluating zod took
 * ~70 ms of each run's first workflow task (docs/performance-log.md, orchestration overhead). Shapes
 * only check; they never transform, so a checked input is the input.
 */

export type Path = readonly (string | number)[];

/** One thing wrong with a value: where (a path of keys and indexes) and what. */
export interface ShapeIssue {
  path: Path;
  message: string;
}

/** A shape adds an issue for each thing wrong with a value at a path. */
export type Shape = (value: unknown, path: Path, issues: ShapeIssue[]) => void;

/** What a value is, in an "expected X, got Y" message. */
function kindOf(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function wrongType(expected: string, value: unknown, path: Path, issues: ShapeIssue[]): void {
  issues.push({ path, message: `expected ${expected}, got ${kindOf(value)}` });
}

/** A rule on an already well-typed value: the message when it does not hold, or nothing. */
export type Rule<T> = (value: T) => string | undefined;

export function string(...rules: Rule<string>[]): Shape {
  return (value, path, issues) => {
    if (typeof value !== 'string') return wrongType('string', value, path, issues);
    for (const rule of rules) {
      const problem = rule(value);
      if (problem) issues.push({ path, message: problem });
    }
  };
}

export function number(...rules: Rule<number>[]): Shape {
  return (value, path, issues) => {
    if (typeof value !== 'number' || Number.isNaN(value)) return wrongType('number', value, path, issues);
    for (const rule of rules) {
      const problem = rule(value);
      if (problem) issues.push({ path, message: problem });
    }
  };
}

export const boolean: Shape = (value, path, issues) => {
  if (typeof value !== 'boolean') wrongType('boolean', value, path, issues);
};

export const unknown: Shape = () => undefined;

/** Rules for numbers. */
export const atLeast = (min: number): Rule<number> => (n) => (n < min ? `must be ≥ ${min}, got ${n}` : undefined);
export const atMost = (max: number): Rule<number> => (n) => (n > max ? `must be ≤ ${max}, got ${n}` : undefined);
export const integer: Rule<number> = (n) => (Number.isInteger(n) ? undefined : `must be an integer, got ${n}`);
export const positiveFinite: Rule<number> = (n) => (n > 0 && Number.isFinite(n) ? undefined : `must be a positive finite number, got ${n}`);

/** Rules for text. */
export const maxLength = (max: number): Rule<string> => (s) => (s.length > max ? `is longer than ${max} characters` : undefined);
export const nonEmpty: Rule<string> = (s) => (s.length === 0 ? 'is empty' : undefined);
export const matches = (pattern: RegExp, message: string): Rule<string> => (s) => (pattern.test(s) ? undefined : message);

/** One of a fixed list of strings. */
export function oneOf(values: readonly string[]): Shape {
  return (value, path, issues) => {
    if (typeof value !== 'string') return wrongType('string', value, path, issues);
    if (!values.includes(value)) issues.push({ path, message: `"${value}" is not one of ${values.join(', ')}` });
  };
}

/** The value may be absent (undefined). */
export function optional(shape: Shape): Shape {
  return (value, path, issues) => {
    if (value !== undefined) shape(value, path, issues);
  };
}

/** The value may be null. */
export function nullable(shape: Shape): Shape {
  return (value, path, issues) => {
    if (value !== null) shape(value, path, issues);
  };
}

export function array(item: Shape, bounds: { min?: number; max?: number } = {}): Shape {
  return (value, path, issues) => {
    if (!Array.isArray(value)) return wrongType('array', value, path, issues);
    if (bounds.min !== undefined && value.length < bounds.min) issues.push({ path, message: `must hold at least ${bounds.min} items, holds ${value.length}` });
    if (bounds.max !== undefined && value.length > bounds.max) issues.push({ path, message: `must hold at most ${bounds.max} items, holds ${value.length}` });
    value.forEach((v, i) => item(v, [...path, i], issues));
  };
}

/** A rule across an object's fields, checked only once every field is well-formed. */
export type ObjectRule = (value: Record<string, unknown>) => { field?: string; message: string } | undefined;

export interface ObjectOptions {
  /** Unknown fields are an issue (true) or pass unchecked (false: a newer starter may send more). */
  strict: boolean;
  rules?: ObjectRule[];
}

export function object(fields: Record<string, Shape>, options: ObjectOptions): Shape {
  return (value, path, issues) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return wrongType('object', value, path, issues);
    const record = value as Record<string, unknown>;
    const before = issues.length;
    for (const [name, shape] of Object.entries(fields)) shape(record[name], [...path, name], issues);
    if (options.strict) {
      const unknownFields = Object.keys(record).filter((name) => !(name in fields));
      if (unknownFields.length > 0) issues.push({ path, message: `has fields it does not accept: ${unknownFields.join(', ')}` });
    }
    if (issues.length > before) return;
    for (const rule of options.rules ?? []) {
      const problem = rule(record);
      if (problem) issues.push({ path: problem.field ? [...path, problem.field] : path, message: problem.message });
    }
  };
}

/** An object whose `key` field picks its shape. */
export function tagged(key: string, variants: Record<string, Shape>): Shape {
  const tags = Object.keys(variants);
  return (value, path, issues) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return wrongType('object', value, path, issues);
    const tag = (value as Record<string, unknown>)[key];
    const variant = typeof tag === 'string' && Object.prototype.hasOwnProperty.call(variants, tag) ? variants[tag] : undefined;
    if (!variant) {
      issues.push({ path: [...path, key], message: `${typeof tag === 'string' ? `"${tag}"` : kindOf(tag)} is not one of ${tags.join(', ')}` });
      return;
    }
    variant(value, path, issues);
  };
}

/** The first shape that fits; when none does, the issue of the one whose type matched, or all types named. */
export function either(...shapes: Shape[]): Shape {
  return (value, path, issues) => {
    let closest: ShapeIssue[] | undefined;
    for (const shape of shapes) {
      const own: ShapeIssue[] = [];
      shape(value, path, own);
      if (own.length === 0) return;
      if (!own.every((i) => i.message.startsWith('expected '))) closest ??= own;
    }
    if (closest) issues.push(...closest);
    else issues.push({ path, message: `is not of an accepted type, got ${kindOf(value)}` });
  };
}

/** Every issue with a value against a shape; none means it fits. */
export function issuesWith(shape: Shape, value: unknown): ShapeIssue[] {
  const issues: ShapeIssue[] = [];
  shape(value, [], issues);
  return issues;
}
