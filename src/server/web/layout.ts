/**
 * The HTML shell of every /app page: header (brand, orders link, the signed-in user, sign-out, language
 * switch), one `<main>`, the stylesheet and — on the order page — the client script. Text is escaped by
 * hono/html; the client's configuration travels as JSON in a non-executed `<script type="application/json">`
 * (so the Content-Security-Policy needs no inline script).
 */
import { html, raw } from 'hono/html';
import type { UserRow } from '../db/users.js';
import { fmt, MESSAGES, type Lang, type MessageKey } from './i18n.js';

export type Html = ReturnType<typeof html>;

export interface ShellOptions {
  lang: Lang;
  title: string;
  /** Signed-in user (shows the user menu), or null. */
  user: UserRow | null;
  /** Path of this page without query, for the language switch links. */
  path: string;
  body: Html;
  /** Client configuration (order page only); loads /app/assets/app.js when set. */
  clientConfig?: unknown;
}

/** Translator for one language. */
export function translator(lang: Lang): (key: MessageKey, vars?: Record<string, string | number>) => string {
  const m = MESSAGES[lang];
  return (key, vars) => fmt(m[key], vars);
}

/** JSON safe inside a `<script>` element (no `</script>`, no HTML comment openers). */
export function scriptJson(v: unknown): string {
  return JSON.stringify(v).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

function langSwitch(lang: Lang, path: string, label: string): Html {
  const link = (l: Lang, name: string) =>
    l === lang
      ? html`<span class="lang-current" aria-current="true" lang="${l}">${name}</span>`
      : html`<a href="${path}?lang=${l}" hreflang="${l}" lang="${l}">${name}</a>`;
  return html`<nav class="lang" aria-label="${label}">${link('de', 'Deutsch')}<span aria-hidden="true">·</span>${link('en', 'English')}</nav>`;
}

export function shell(o: ShellOptions): Html {
  const t = translator(o.lang);
  const userMenu = o.user
    ? html`<div class="user">
        <a class="nav-link" href="/app">${t('nav.orders')}</a>
        <span class="user-name" data-testid="user-name">${o.user.name ?? o.user.id}</span>
        <form method="post" action="/app/logout" class="inline"><button type="submit" class="btn ghost small">${t('nav.signout')}</button></form>
      </div>`
    : '';
  return html`<!doctype html>
<html lang="${o.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${o.title} · piximmo</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/app/assets/app.css">
${o.clientConfig === undefined ? '' : html`<script type="application/json" id="piximmo-config">${raw(scriptJson(o.clientConfig))}</script>
<script src="/app/assets/app.js" defer></script>`}
</head>
<body>
<header class="topbar">
  <div class="topbar-inner">
    <a class="brand" href="/app"><span class="brand-mark" aria-hidden="true">p</span><span>piximmo</span></a>
    <div class="topbar-right">${userMenu}${langSwitch(o.lang, o.path, t('nav.language'))}</div>
  </div>
</header>
<main id="main" class="wrap">${o.body}</main>
</body>
</html>`;
}
