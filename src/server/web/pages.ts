/**
 * The bodies of the /app pages (SPEC "The web uploader"): sign-in, the caller's orders, one order's
 * uploader and gallery (filled in by the client script), and the "not your order" page. Pure functions
 * from data to hono/html markup; the routes (web/routes.ts) load the data.
 */
import { html } from 'hono/html';
import type { OrderWithCount, UserRow } from '../db/users.js';
import { formatBytes, WEB_ROOMS, type Lang } from './i18n.js';
import { type Html, translator } from './layout.js';

export interface SignInData {
  lang: Lang;
  /** Seeded users to pick from (local server), or null (production: device token only). */
  users: UserRow[] | null;
  /** Path to return to after sign-in (validated by the route). */
  next: string;
  /** Message key to show above the form. */
  notice?: 'signin.failed' | 'signin.expired' | 'signin.unknownUser' | 'csrf.refused';
}

export function signInBody(d: SignInData): Html {
  const t = translator(d.lang);
  const users = d.users
    ? html`<section class="signin-users" aria-labelledby="local-users">
        <h2 id="local-users" class="small-title">${t('signin.localUsers')}</h2>
        <form method="post" action="/app/login" class="user-list">
          <input type="hidden" name="next" value="${d.next}">
          ${d.users.map((u) => html`<button type="submit" name="user_id" value="${u.id}" class="btn secondary block">${t('signin.as', { name: u.name ? `${u.name} (${u.id})` : u.id })}</button>`)}
        </form>
      </section>`
    : '';
  return html`<section class="card narrow" aria-labelledby="signin-h">
  <h1 id="signin-h">${t('signin.title')}</h1>
  <p class="muted">${t('signin.intro')}</p>
  ${d.notice ? html`<p class="notice error" role="alert">${t(d.notice)}</p>` : ''}
  ${users}
  <form method="post" action="/app/login" class="stack-form">
    <input type="hidden" name="next" value="${d.next}">
    <label for="device_token">${t('signin.token')}</label>
    <input id="device_token" name="device_token" type="password" autocomplete="current-password" aria-describedby="token-hint" required>
    <p id="token-hint" class="muted small">${t('signin.tokenHint')}</p>
    <button type="submit" class="btn primary">${t('signin.submit')}</button>
  </form>
</section>`;
}

export function ordersBody(lang: Lang, orders: OrderWithCount[]): Html {
  const t = translator(lang);
  return html`<h1>${t('orders.title')}</h1>
${
  orders.length === 0
    ? html`<p class="muted">${t('orders.none')}</p>`
    : html`<ul class="order-list">${orders.map(
        (o) => html`<li class="card order-row">
          <div><a class="order-link" href="/app/orders/${encodeURIComponent(o.id)}">${t('order.title', { id: o.id })}</a>
          <p class="muted small">${t('order.shoot', { code: o.shootcode })} · ${t('orders.files', { count: o.file_count })}</p></div>
          <a class="btn secondary" href="/app/orders/${encodeURIComponent(o.id)}" aria-label="${t('order.title', { id: o.id })}">${t('orders.open')}</a>
        </li>`,
      )}</ul>`
}`;
}

export interface OrderPageData {
  lang: Lang;
  orderId: string;
  shootcode: string;
  types: string[];
  maxBytes: number;
}

export function orderBody(d: OrderPageData): Html {
  const t = translator(d.lang);
  const types = d.types.map((x) => x.toUpperCase()).join(', ');
  return html`<nav class="crumbs" aria-label="Breadcrumb"><a href="/app">${t('nav.orders')}</a><span aria-hidden="true">›</span><span aria-current="page">${d.orderId}</span></nav>
<div class="page-head"><h1>${t('order.title', { id: d.orderId })}</h1><p class="muted">${t('order.shoot', { code: d.shootcode })}</p></div>
<section class="card" aria-labelledby="upload-h">
  <h2 id="upload-h">${t('upload.title')}</h2>
  <div id="dropzone" class="dropzone" role="button" tabindex="0" aria-label="${t('upload.drop')}" aria-describedby="drop-help allowed-types">
    <svg class="drop-icon" aria-hidden="true" viewBox="0 0 24 24" width="40" height="40"><path fill="none" stroke="currentColor" stroke-width="1.6" stroke-linecap="round" stroke-linejoin="round" d="M12 16V4m0 0-4.5 4.5M12 4l4.5 4.5M4 15v3a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2v-3"/></svg>
    <p class="drop-title">${t('upload.drop')}</p>
    <p id="drop-help" class="muted small">${t('upload.dropHelp')}</p>
  </div>
  <div class="upload-bar">
    <div class="field"><label for="room">${t('upload.room')}</label>
      <select id="room">${WEB_ROOMS.map((r) => html`<option value="${r}"${r === 'unsorted' ? ' selected' : ''}>${t(`room.${r}`)}</option>`)}</select></div>
    <div class="field"><label for="stack">${t('upload.stack')}</label>
      <input id="stack" inputmode="text" autocomplete="off" spellcheck="false" maxlength="32" placeholder="${t('upload.stackHint')}" aria-describedby="stack-hint"><span id="stack-hint" class="sr-only">${t('upload.stackHint')}</span></div>
    <div class="field grow"><span class="or muted" aria-hidden="true">${t('upload.or')}</span>
      <button type="button" id="pick" class="btn primary">${t('upload.pick')}</button></div>
  </div>
  <input type="file" id="file-input" class="sr-only" multiple tabindex="-1" aria-hidden="true" accept="${d.types.map((x) => `.${x}`).join(',')}">
  <p id="allowed-types" class="muted small">${t('upload.allowed', { types, max: formatBytes(d.maxBytes, d.lang) })}</p>
  <div id="rejected" class="rejected" role="alert" hidden><h3 class="small-title">${t('upload.rejected')}</h3><ul id="rejected-list"></ul></div>
  <div class="queue-head"><h3 class="small-title">${t('upload.queue')}</h3><span id="queue-summary" class="muted small" aria-live="polite"></span></div>
  <p id="queue-empty" class="muted small">${t('upload.queueEmpty')}</p>
  <ul id="queue" class="queue"></ul>
</section>
<section class="card" aria-labelledby="gallery-h">
  <div class="gallery-head"><h2 id="gallery-h">${t('gallery.title')}</h2><span id="gallery-count" class="muted small" aria-live="polite"></span></div>
  <div id="gallery" class="gallery" aria-busy="true"></div>
</section>
<dialog id="confirm-delete" aria-labelledby="confirm-title" aria-describedby="confirm-text">
  <form method="dialog">
    <h2 id="confirm-title">${t('gallery.confirmTitle')}</h2>
    <p id="confirm-text"></p>
    <div class="dialog-actions">
      <button value="cancel" class="btn secondary" autofocus>${t('gallery.confirmNo')}</button>
      <button value="delete" class="btn danger">${t('gallery.confirmYes')}</button>
    </div>
  </form>
</dialog>`;
}

export function forbiddenBody(lang: Lang, orderId: string): Html {
  const t = translator(lang);
  return html`<section class="card narrow" aria-labelledby="forbidden-h">
  <h1 id="forbidden-h">${t('order.forbiddenTitle')}</h1>
  <p class="notice error" role="alert" data-testid="order-forbidden">${t('order.forbidden', { id: orderId })}</p>
  <p><a class="btn secondary" href="/app">${t('order.back')}</a></p>
</section>`;
}
