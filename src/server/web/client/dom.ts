/** Tiny DOM helpers for the page script (no framework): element creation and the translator. */
import { fmt, type MessageKey, type Messages } from '../i18n.js';

export type Attrs = Record<string, string | number | boolean | undefined>;

/** `<tag attrs>children</tag>`; attribute `false`/undefined is left out, `true` is present-empty. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: (Node | string | null)[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) if (c !== null) e.append(c);
  return e;
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (!e) throw new Error(`#${id} missing`);
  return e as T;
}

export type T = (key: MessageKey, vars?: Record<string, string | number>) => string;

export function translator(m: Messages): T {
  return (key, vars) => fmt(m[key] ?? key, vars);
}
