/**
 * A drawn-digit test set of our own making: the digits of public-domain Hershey stroke fonts
 * (npm package `hersheytext`, MIT; the glyphs are the Hershey fonts' centre lines as SVG path
 * data), drawn as a person would on the pad: at a few sizes and places, slanted and rotated a
 * little, with a wobbly hand, as dense point lists in pad units (0..1) like a mouse produces.
 */
import hersheyFonts from 'hersheytext/hersheytext.json' with { type: 'json' };
import type { Point, Stroke } from '../shared/drawing';
import { mulberry32 } from '../engine/train';

/** Sans 1-stroke (Hershey's "futural") and Script 1-stroke ("scripts"): two quite different hands. */
export const FONTS = ['futural', 'scripts'] as const;
export type FontName = (typeof FONTS)[number];

/** Where on the pad and how large (the digit's height as a fraction of the pad). */
export const PLACEMENTS = [
  { name: 'large, centred', height: 0.8, x: 0.5, y: 0.5 },
  { name: 'medium, top left', height: 0.45, x: 0.3, y: 0.3 },
  { name: 'small, bottom right', height: 0.22, x: 0.75, y: 0.74 },
] as const;
export type PlacementName = (typeof PLACEMENTS)[number]['name'];

export interface FontDigit {
  label: number;
  font: FontName;
  placement: PlacementName;
  strokes: Stroke[];
}

/** The glyph's polylines in font units (y down), from its "M x,y L x,y x,y ... M ..." path data. */
export function glyphStrokes(font: FontName, digit: number): Point[][] {
  // chars[0] is "!" (code 33): the Hershey JSON lists the printable ASCII characters in order.
  const glyph = hersheyFonts[font].chars['0'.charCodeAt(0) - 33 + digit];
  return glyph.d
    .split('M')
    .filter((part) => part.trim())
    .map((part) =>
      part
        .replace('L', ' ')
        .trim()
        .split(/\s+/)
        .map((pair) => {
          const [x, y] = pair.split(',').map(Number);
          return { x, y };
        }),
    );
}

/** Points every `spacing` along a polyline, as pointer events arrive while the hand moves. */
function densify(line: Point[], spacing: number): Point[] {
  const out: Point[] = [line[0]];
  for (let i = 1; i < line.length; i++) {
    const a = line[i - 1];
    const b = line[i];
    const steps = Math.max(1, Math.ceil(Math.hypot(b.x - a.x, b.y - a.y) / spacing));
    for (let s = 1; s <= steps; s++)
      out.push({ x: a.x + ((b.x - a.x) * s) / steps, y: a.y + ((b.y - a.y) * s) / steps });
  }
  return out;
}

/** A smooth random displacement along the path (a few slow sine waves): an unsteady hand. */
function wobble(random: () => number, amplitude: number): (t: number) => number {
  const waves = Array.from({ length: 3 }, () => ({
    frequency: 0.5 + random() * 2,
    phase: random() * Math.PI * 2,
    weight: random(),
  }));
  const total = waves.reduce((sum, wave) => sum + wave.weight, 0);
  return (t) =>
    (amplitude / total) *
    waves.reduce((sum, w) => sum + w.weight * Math.sin(w.phase + t * w.frequency * 2 * Math.PI), 0);
}

/**
 * One digit drawn on the pad: the glyph slanted, rotated, stretched and wobbled by `random`,
 * scaled to `placement`'s height and moved to its place (with a little jitter), in pad units.
 */
export function drawGlyph(
  font: FontName,
  digit: number,
  placement: (typeof PLACEMENTS)[number],
  random: () => number,
): Stroke[] {
  const lines = glyphStrokes(font, digit);
  const all = lines.flat();
  const minY = Math.min(...all.map((p) => p.y));
  const maxY = Math.max(...all.map((p) => p.y));
  const centreX = (Math.min(...all.map((p) => p.x)) + Math.max(...all.map((p) => p.x))) / 2;
  const centreY = (minY + maxY) / 2;
  const scale = placement.height / (maxY - minY);
  const slant = ((random() * 2 - 1) * 12 * Math.PI) / 180;
  const rotation = ((random() * 2 - 1) * 8 * Math.PI) / 180;
  const widthScale = 0.85 + random() * 0.3;
  const x0 = placement.x + (random() * 2 - 1) * 0.04;
  const y0 = placement.y + (random() * 2 - 1) * 0.04;
  const wobbleX = wobble(random, 0.6);
  const wobbleY = wobble(random, 0.6);
  const cos = Math.cos(rotation);
  const sin = Math.sin(rotation);
  let travelled = 0;
  return lines.map((line) =>
    densify(line, 0.4).map((p, i, points) => {
      if (i > 0) travelled += Math.hypot(p.x - points[i - 1].x, p.y - points[i - 1].y) / (maxY - minY);
      const fx = (p.x - centreX) * widthScale + wobbleX(travelled);
      const fy = p.y - centreY + wobbleY(travelled);
      const sx = fx - Math.tan(slant) * fy;
      const x = (sx * cos - fy * sin) * scale + x0;
      const y = (sx * sin + fy * cos) * scale + y0;
      return { x: Math.min(1, Math.max(0, x)), y: Math.min(1, Math.max(0, y)) };
    }),
  );
}

/** Every digit of every font at every placement, `variants` times each, reproducibly from `seed`. */
export function fontDigits(variants = 4, seed = 7): FontDigit[] {
  const random = mulberry32(seed);
  const digits: FontDigit[] = [];
  for (const font of FONTS)
    for (const placement of PLACEMENTS)
      for (let label = 0; label < 10; label++)
        for (let v = 0; v < variants; v++)
          digits.push({ label, font, placement: placement.name, strokes: drawGlyph(font, label, placement, random) });
  return digits;
}
