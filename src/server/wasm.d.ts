/** `.wasm` files imported by the Worker arrive as compiled modules (wrangler CompiledWasm rule, Miniflare modulesRules). */
declare module '*.wasm' {
  const module: WebAssembly.Module;
  export default module;
}
