/** Build-time text modules (tsup.config.ts plugin `webClientAssets`; see src/server/web/assets.ts). */
declare module 'web-client:*' {
  const text: string;
  export default text;
}
