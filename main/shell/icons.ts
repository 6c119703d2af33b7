/**
 * The app's icons, drawn in code: a shield with a keyhole. The tray icon shows whether the app is connected (blue
 * when online, grey otherwise) and a red badge with the number of pending validations; on macOS a monochrome
 * template image (filled when online, outlined otherwise) next to the count in the menu bar. The installer icon
 * (build/icon.png) comes from `appIconPng`. No binary asset to keep in sync, no image library.
 */
import { deflateSync } from 'node:zlib';

type Rgba = readonly [number, number, number, number];
type Shape = (x: number, y: number) => boolean;

const BLUE: Rgba = [29, 78, 216, 255];
const GREY: Rgba = [107, 114, 128, 255];
const RED: Rgba = [220, 38, 38, 255];
const WHITE: Rgba = [255, 255, 255, 255];
const BLACK: Rgba = [0, 0, 0, 255];
const NAVY: Rgba = [15, 42, 92, 255];
const CLEAR: Rgba = [0, 0, 0, 0];

// ---------------------------------------------------------------- shapes in a unit square (y down)

const shield = (inset = 0): Shape => (x, y) => {
  const top = 0.1 + inset;
  const bottom = 0.93 - inset;
  const shoulder = 0.55;
  const halfWidth = 0.36 - inset;
  if (y < top || y > bottom) return false;
  if (y <= shoulder) return Math.abs(x - 0.5) <= halfWidth;
  const t = (y - shoulder) / (bottom - shoulder);
  return Math.abs(x - 0.5) <= halfWidth * Math.sqrt(Math.max(0, 1 - t * t));
};

const keyhole: Shape = (x, y) => {
  const dx = x - 0.5;
  const dy = y - 0.42;
  if (dx * dx + dy * dy <= 0.095 * 0.095) return true;
  if (y < 0.44 || y > 0.7) return false;
  const halfWidth = 0.04 + ((y - 0.44) / 0.26) * 0.03;
  return Math.abs(dx) <= halfWidth;
};

const circle = (cx: number, cy: number, r: number): Shape => (x, y) => (x - cx) ** 2 + (y - cy) ** 2 <= r * r;

const roundedSquare = (margin: number, radius: number): Shape => (x, y) => {
  const lo = margin + radius;
  const hi = 1 - margin - radius;
  const cx = Math.min(Math.max(x, lo), hi);
  const cy = Math.min(Math.max(y, lo), hi);
  return (x - cx) ** 2 + (y - cy) ** 2 <= radius * radius;
};

const GLYPHS: Record<string, string> = {
  '0': '111101101101111', '1': '010110010010111', '2': '111001111100111', '3': '111001111001111',
  '4': '101101111001001', '5': '111100111001111', '6': '111100111101111', '7': '111001010010010',
  '8': '111101111101111', '9': '111101111001111', '+': '000010111010000',
};

/** Text in a 3×5 pixel font, centred on (cx, cy), `height` tall. */
const text = (value: string, cx: number, cy: number, height: number): Shape => {
  const cell = height / 5;
  const width = value.length * 3 * cell + (value.length - 1) * cell;
  const left = cx - width / 2;
  const top = cy - height / 2;
  return (x, y) => {
    const row = Math.floor((y - top) / cell);
    if (row < 0 || row > 4) return false;
    const column = Math.floor((x - left) / cell);
    const glyphIndex = Math.floor(column / 4);
    const inGlyph = column % 4;
    if (column < 0 || glyphIndex >= value.length || inGlyph === 3) return false;
    return GLYPHS[value[glyphIndex] ?? '']?.[row * 3 + inGlyph] === '1';
  };
};

// ---------------------------------------------------------------- rasterizing and PNG encoding

interface Layer {
  shape: Shape;
  color: Rgba;
}

/**
 * Paints the layers in order, each pixel sampled several times for smooth edges. The last layer containing a point decides
 * its colour, so a transparent layer punches a hole (the keyhole).
 */
function rasterize(size: number, layers: Layer[]): Uint8Array {
  const pixels = new Uint8Array(size * size * 4);
  // Small icons need more samples per pixel for smooth edges; large ones have pixels to spare.
  const samples = size >= 256 ? 2 : 4;
  for (let py = 0; py < size; py += 1) {
    for (let px = 0; px < size; px += 1) {
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      for (let sy = 0; sy < samples; sy += 1) {
        for (let sx = 0; sx < samples; sx += 1) {
          const x = (px + (sx + 0.5) / samples) / size;
          const y = (py + (sy + 0.5) / samples) / size;
          let color: Rgba | null = null;
          for (const layer of layers) if (layer.shape(x, y)) color = layer.color;
          if (color === null) continue;
          const alpha = color[3] / 255;
          r += color[0] * alpha;
          g += color[1] * alpha;
          b += color[2] * alpha;
          a += alpha;
        }
      }
      const offset = (py * size + px) * 4;
      const n = samples * samples;
      pixels[offset] = a > 0 ? Math.round(r / a) : 0;
      pixels[offset + 1] = a > 0 ? Math.round(g / a) : 0;
      pixels[offset + 2] = a > 0 ? Math.round(b / a) : 0;
      pixels[offset + 3] = Math.round((a / n) * 255);
    }
  }
  return pixels;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of bytes) c = (CRC_TABLE[(c ^ byte) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** An 8-bit RGBA PNG of a square image. */
export function encodePng(size: number, rgba: Uint8Array): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8; // bit depth
  header[9] = 6; // RGBA
  const rows = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y += 1) {
    rows[y * (size * 4 + 1)] = 0; // no filter
    Buffer.from(rgba.buffer, rgba.byteOffset + y * size * 4, size * 4).copy(rows, y * (size * 4 + 1) + 1);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows, { level: 9 })),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

// ---------------------------------------------------------------- the icons

export interface TrayIconState {
  pendingCount: number;
  connected: boolean;
}

/** "1"…"9", then "9+": what fits in the badge. */
export function badgeText(count: number): string {
  return count > 9 ? '9+' : String(Math.max(0, Math.floor(count)));
}

/** The Windows/Linux tray icon: coloured by connectivity, with the pending count in a red badge. */
export function trayIconPng({ pendingCount, connected }: TrayIconState, size: number): Buffer {
  const layers: Layer[] = [
    { shape: shield(), color: connected ? BLUE : GREY },
    { shape: keyhole, color: CLEAR },
  ];
  if (pendingCount > 0) {
    const label = badgeText(pendingCount);
    layers.push({ shape: circle(0.72, 0.28, 0.28), color: RED });
    layers.push({ shape: text(label, 0.72, 0.28, label.length > 1 ? 0.22 : 0.3), color: WHITE });
  }
  return encodePng(size, rasterize(size, layers));
}

/** The macOS menu-bar template image (black + alpha, tinted by the system): filled online, outlined offline. */
export function trayTemplatePng({ connected }: Pick<TrayIconState, 'connected'>, size: number): Buffer {
  const layers: Layer[] = connected
    ? [{ shape: shield(), color: BLACK }, { shape: keyhole, color: CLEAR }]
    : [{ shape: shield(), color: BLACK }, { shape: shield(0.07), color: CLEAR }, { shape: keyhole, color: BLACK }];
  return encodePng(size, rasterize(size, layers));
}

/** The application icon the installers use (build/icon.png, 1024 px). */
export function appIconPng(size: number): Buffer {
  return encodePng(size, rasterize(size, [
    { shape: roundedSquare(0.06, 0.2), color: NAVY },
    { shape: (x, y) => shield()((x - 0.5) / 0.78 + 0.5, (y - 0.5) / 0.78 + 0.5), color: WHITE },
    { shape: (x, y) => keyhole((x - 0.5) / 0.78 + 0.5, (y - 0.5) / 0.78 + 0.5), color: NAVY },
  ]));
}
