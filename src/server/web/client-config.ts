/**
 * What the order page hands its client script (JSON in `<script type="application/json" id="piximmo-config">`,
 * web/routes.ts → web/client/main.ts). Sizes in bytes.
 */
import type { Lang, Messages } from './i18n.js';

export interface ClientConfig {
  orderId: string;
  lang: Lang;
  /** The chosen language's texts (web/i18n.ts). */
  messages: Messages;
  /** Allowed extensions, lower-case, no dot (server setting WEB_TYPES). */
  types: string[];
  /** The API's per-file limit (MAX_BYTES). */
  maxBytes: number;
  /** Uploads at once, 3…5 (WEB_CONCURRENCY). */
  concurrency: number;
  /** Where a 401 sends the user (sign-in, then back to this order). */
  signInUrl: string;
  /** URL of the hashing Web Worker script. */
  hashWorkerUrl: string;
}
