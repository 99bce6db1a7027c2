/** jco's JS name for a WIT name: `roundtrip-record1` → `roundtripRecord1`. */
export function jsName(witName: string): string {
  return witName.replace(/-([a-zA-Z0-9])/g, (_, c: string) => c.toUpperCase());
}
