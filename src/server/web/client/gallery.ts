/**
 * The order's gallery (SPEC "The web uploader", seeds 000–002): GET /api/orders/:id/files, grouped by room
 * and then stack, each file with its preview, status, size, „Herunterladen" and „Löschen" (after a
 * confirmation dialog). Previews: GET /api/files/:id/preview?size=small (SPEC v2 "Previews") → `{url}`;
 * 404 PREVIEW_NOT_READY (processing) shows a placeholder and is asked again a little later; NO_PREVIEW (or
 * no such route on this server) shows the file type instead. Downloads: GET /api/files/:id/download → `{url}`;
 * delete: DELETE /api/files/:id, then the list reloads.
 * `reload()` may be called at any rate: calls during a load run once more after it (each finalize is followed
 * by a load that starts after it).
 */
import { extensionOf } from '../../../contract/media.js';
import { formatBytes, WEB_ROOMS, type Lang, type MessageKey } from '../i18n.js';
import type { Api } from './api.js';
import { byId, el, type T } from './dom.js';

export interface GalleryFile {
  file_id: string;
  filename: string;
  bytes: number;
  mime: string;
  checksum: string | null;
  room_type: string;
  room_label?: string | null;
  stack_id: string;
  status: string;
  /** Why failed, or the signature clamd named when infected (issue 16). */
  status_reason?: string | null;
  previews?: string[];
}

type Preview = { state: 'url'; url: string; until: number } | { state: 'pending'; at: number } | { state: 'none' };

/** Preview answers kept this long (ms) before asking again while processing. */
const PENDING_RECHECK_MS = 3000;
/** A failed list load is asked again after this long (ms). */
const RETRY_MS = 2000;

export class Gallery {
  private loading: Promise<void> | null = null;
  private loaded = false;
  private again = false;
  private readonly previews = new Map<string, Preview>();
  private files: GalleryFile[] = [];
  private recheck = 0;
  private readonly root = byId('gallery');
  private readonly count = byId('gallery-count');
  private readonly dialog = byId<HTMLDialogElement>('confirm-delete');

  constructor(
    private readonly api: Api,
    private readonly orderId: string,
    private readonly t: T,
    private readonly lang: Lang,
  ) {}

  reload(): Promise<void> {
    if (this.loading) {
      this.again = true;
      return this.loading;
    }
    this.loading = (async () => {
      do {
        this.again = false;
        await this.loadOnce();
      } while (this.again);
    })().finally(() => {
      this.loading = null;
    });
    return this.loading;
  }

  private async loadOnce(): Promise<void> {
    try {
      const r = await this.api.call<{ files: GalleryFile[] }>('GET', `/api/orders/${encodeURIComponent(this.orderId)}/files`);
      if (r.status !== 200) throw new Error(String(r.status));
      this.files = r.body.files.filter((f) => f.status !== 'deleted' && f.status !== 'superseded');
      this.render();
      this.loaded = true;
      this.root.setAttribute('aria-busy', 'false');
      await this.loadPreviews();
    } catch {
      // A dropped connection (the server busy making previews) or an error answer: keep what is shown and
      // ask again shortly; only a gallery that never loaded says so.
      if (!this.loaded) this.root.replaceChildren(el('p', { class: 'notice error', role: 'alert' }, this.t('gallery.loadFailed')));
      clearTimeout(this.recheck);
      this.recheck = window.setTimeout(() => void this.reload(), RETRY_MS);
    }
  }

  private render(): void {
    const t = this.t;
    const total = this.files.reduce((s, f) => s + f.bytes, 0);
    this.count.textContent = this.files.length ? t('gallery.count', { count: this.files.length, size: formatBytes(total, this.lang) }) : '';
    if (this.files.length === 0) {
      this.root.replaceChildren(el('p', { class: 'muted' }, t('gallery.empty')));
      return;
    }
    const rooms = new Map<string, Map<string, GalleryFile[]>>();
    for (const f of this.files) {
      const stacks = rooms.get(f.room_type) ?? new Map<string, GalleryFile[]>();
      rooms.set(f.room_type, stacks);
      stacks.set(f.stack_id, [...(stacks.get(f.stack_id) ?? []), f]);
    }
    const order = (r: string) => {
      const i = (WEB_ROOMS as readonly string[]).indexOf(r);
      return i < 0 ? WEB_ROOMS.length - 1 : i;
    };
    const sections = [...rooms.entries()]
      .sort(([a], [b]) => order(a) - order(b) || a.localeCompare(b))
      .map(([room, stacks]) => {
        const first = [...stacks.values()][0][0];
        const label = this.roomLabel(room, first.room_label);
        const headId = `room-${room}`;
        return el('section', { class: 'room', 'data-room': room, 'aria-labelledby': headId },
          el('h3', { id: headId, class: 'room-title' }, label),
          ...[...stacks.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([stack, files]) =>
            el('div', { class: 'stack', 'data-stack': stack },
              el('h4', { class: 'stack-title' }, stack === 's000' ? t('gallery.noStack') : t('gallery.stack', { id: stack }), el('span', { class: 'muted small' }, ` · ${(files.length === 1 ? t('gallery.frame') : t('gallery.frames', { count: files.length }))}`)),
              el('ul', { class: 'tiles' }, ...files.map((f) => this.tile(f))),
            )),
        );
      });
    const focused = document.activeElement as HTMLElement | null;
    const refocus = focused?.dataset.action ? `[data-action="${focused.dataset.action}"][data-file-id="${focused.dataset.fileId}"]` : null;
    this.root.replaceChildren(...sections);
    if (refocus) (this.root.querySelector(refocus) as HTMLElement | null)?.focus();
  }

  /** The room's heading: the folder's name as written, with the room's own name after it unless they read the same ("Wohnzimmer", not "Wohnzimmer (Wohnzimmer)"). */
  private roomLabel(room: string, label?: string | null): string {
    const key = `room.${room}` as MessageKey;
    const known = (WEB_ROOMS as readonly string[]).includes(room) ? this.t(key) : null;
    if (!label) return known ?? room;
    return known && label.trim().toLocaleLowerCase(this.lang) !== known.toLocaleLowerCase(this.lang) ? `${label} (${known})` : label;
  }

  private tile(f: GalleryFile): HTMLLIElement {
    const t = this.t;
    const statusKey = `file.${f.status}` as MessageKey;
    const status = ['uploaded', 'processing', 'ready', 'failed', 'infected'].includes(f.status) ? t(statusKey) : f.status;
    const download = el('button', { type: 'button', class: 'btn small secondary', 'data-action': 'download', 'data-file-id': f.file_id, 'aria-label': `${t('gallery.download')}: ${f.filename}` }, t('gallery.download'));
    const del = el('button', { type: 'button', class: 'btn small ghost danger-text', 'data-action': 'delete', 'data-file-id': f.file_id, 'aria-label': `${t('gallery.delete')}: ${f.filename}` }, t('gallery.delete'));
    download.addEventListener('click', () => void this.download(f));
    del.addEventListener('click', () => void this.confirmDelete(f));
    if (f.status === 'infected') download.disabled = true;
    return el('li', { class: 'tile', 'data-file-id': f.file_id, 'data-name': f.filename, 'data-status': f.status },
      el('div', { class: 'thumb', 'data-thumb': f.file_id }, this.thumb(f)),
      el('div', { class: 'tile-body' },
        el('span', { class: 'tile-name', title: f.filename }, f.filename),
        el('span', { class: 'tile-meta' }, el('span', { class: 'muted small' }, formatBytes(f.bytes, this.lang)), el('span', { class: `file-status status-${f.status}` }, status)),
        // issue 16: „infiziert" with the signature (and a failed file's reason)
        ...((f.status === 'infected' || f.status === 'failed') && f.status_reason
          ? [el('span', { class: `file-reason small status-${f.status}`, 'data-reason': f.status_reason, title: f.status_reason }, f.status_reason)]
          : []),
        el('span', { class: 'tile-actions' }, download, del),
      ),
    );
  }

  private thumb(f: GalleryFile): HTMLElement {
    const p = this.previews.get(f.file_id);
    if (p?.state === 'url') return el('img', { src: p.url, alt: f.filename, loading: 'lazy', decoding: 'async' });
    // Pending while processing, or while a ready file's preview is still being asked for.
    const pending = f.status === 'uploaded' || f.status === 'processing' || (f.status === 'ready' && (f.previews ?? ['?']).length > 0 && p?.state !== 'none');
    return el('div', { class: `placeholder${pending ? ' pending' : ''}`, 'data-preview': pending ? 'pending' : 'none' },
      el('span', { class: 'ext' }, extensionOf(f.filename).toUpperCase() || '?'),
      el('span', { class: 'small' }, this.t(pending ? 'gallery.processing' : 'gallery.noPreview')),
    );
  }

  /** Asks for the previews not known yet (or pending for a while), updating tiles as answers come. */
  private async loadPreviews(): Promise<void> {
    const now = Date.now();
    const ask = this.files.filter((f) => {
      if (f.status === 'infected' || f.status === 'failed') return false;
      const p = this.previews.get(f.file_id);
      return !p || (p.state === 'url' && p.until < now + 60_000) || (p.state === 'pending' && now - p.at >= PENDING_RECHECK_MS);
    });
    await Promise.all(ask.map((f) => this.loadPreview(f)));
    clearTimeout(this.recheck);
    if ([...this.previews.values()].some((p) => p.state === 'pending')) {
      this.recheck = window.setTimeout(() => void this.reload(), PENDING_RECHECK_MS);
    }
  }

  private async loadPreview(f: GalleryFile): Promise<void> {
    const r = await this.api
      .call<{ url: string; expires_at?: string }>('GET', `/api/files/${encodeURIComponent(f.file_id)}/preview?size=small`)
      .catch(() => null);
    let p: Preview;
    if (r?.status === 200 && r.body.url) p = { state: 'url', url: r.body.url, until: r.body.expires_at ? Date.parse(r.body.expires_at) : Date.now() + 300_000 };
    else if (r?.status === 404 && r.body.error?.code === 'PREVIEW_NOT_READY') p = { state: 'pending', at: Date.now() };
    else if (!r || r.status >= 500) p = { state: 'pending', at: Date.now() };
    else p = { state: 'none' };
    this.previews.set(f.file_id, p);
    const slot = this.root.querySelector(`[data-thumb="${CSS.escape(f.file_id)}"]`);
    slot?.replaceChildren(this.thumb(f));
  }

  private async download(f: GalleryFile): Promise<void> {
    const r = await this.api.call<{ url: string }>('GET', `/api/files/${encodeURIComponent(f.file_id)}/download`).catch(() => null);
    if (r?.status !== 200 || !r.body.url) return this.flash(this.t('gallery.downloadFailed'));
    // A link click, not a navigation: the page (and its uploads) stay; the signed URL answers with
    // Content-Disposition: attachment, so the browser saves the file under its own name.
    const a = el('a', { href: r.body.url, download: f.filename, hidden: true });
    document.body.append(a);
    a.click();
    a.remove();
  }

  private async confirmDelete(f: GalleryFile): Promise<void> {
    byId('confirm-text').textContent = this.t('gallery.confirmText', { name: f.filename });
    this.dialog.returnValue = '';
    this.dialog.showModal();
    const answer = await new Promise<string>((resolve) => this.dialog.addEventListener('close', () => resolve(this.dialog.returnValue), { once: true }));
    if (answer !== 'delete') return;
    const r = await this.api.call('DELETE', `/api/files/${encodeURIComponent(f.file_id)}`).catch(() => null);
    if (r?.status !== 200) this.flash(this.t('gallery.deleteFailed'));
    await this.reload();
  }

  private flash(text: string): void {
    const note = el('p', { class: 'notice error', role: 'alert' }, text);
    this.root.before(note);
    setTimeout(() => note.remove(), 6000);
  }
}
