/**
 * Byte sizes with units: B, KB/MB/GB/TB (powers of 1000) and
 * KiB/MiB/GiB/TiB (powers of 1024). Strict: a number, optional spaces, a
 * unit; nothing else.
 */
const UNITS: Record<string, number> = {
  B: 1,
  KB: 1e3,
  MB: 1e6,
  GB: 1e9,
  TB: 1e12,
  KiB: 1024,
  MiB: 1024 ** 2,
  GiB: 1024 ** 3,
  TiB: 1024 ** 4,
};

const PATTERN = /^([-+]?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)\s*([A-Za-z]+)?$/;

/** Parses "1GiB", "512 KB", "8B", "1e6" (bytes); returns undefined when the text is not a size. */
export function parseSizeBytes(text: string): number | undefined {
  const m = PATTERN.exec(text.trim());
  if (!m) return undefined;
  const value = Number(m[1]);
  const unit = m[2] ?? "B";
  const factor = UNITS[unit];
  if (factor === undefined || !Number.isFinite(value)) return undefined;
  return value * factor;
}

export const SIZE_UNITS_HELP = "a number with B, KB, MB, GB, TB (10^3 steps) or KiB, MiB, GiB, TiB (2^10 steps)";

/** Formats bytes for tables: exact binary units when possible ("1 GiB", "8 B", "1.5 MiB"). */
export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  const text = Number.isInteger(v) ? String(v) : v.toFixed(2);
  return `${text} ${units[i]}`;
}
