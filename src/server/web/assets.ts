/**
 * The web uploader's static assets, bundled into the Worker as strings at build time (tsup.config.ts,
 * plugin `webClientAssets`): `web-client:<name>` is src/server/web/client/<name>.ts bundled for the browser
 * (one IIFE, minified); `web-client:styles` is client/app.css.
 */
import APP_CSS_TEXT from 'web-client:styles';
import APP_JS_TEXT from 'web-client:main';
import HASH_WORKER_TEXT from 'web-client:hash-worker';

export const APP_JS: string = APP_JS_TEXT;
export const HASH_WORKER_JS: string = HASH_WORKER_TEXT;
export const APP_CSS: string = APP_CSS_TEXT;
