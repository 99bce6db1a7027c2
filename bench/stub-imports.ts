/** Imports that satisfy a core module's import section with do-nothing values (for bare-instantiate baselines). */
export function stubImports(module: WebAssembly.Module): Record<string, Record<string, unknown>> {
  const imports: Record<string, Record<string, unknown>> = {};
  for (const i of WebAssembly.Module.imports(module)) {
    (imports[i.module] ??= {})[i.name] =
      i.kind === 'function' ? () => 0
      : i.kind === 'memory' ? new WebAssembly.Memory({ initial: 1 })
      : i.kind === 'table' ? new WebAssembly.Table({ initial: 64, element: 'anyfunc' })
      : new WebAssembly.Global({ value: 'i32', mutable: true }, 0);
  }
  return imports;
}
