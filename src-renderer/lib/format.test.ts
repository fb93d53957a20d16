import { describe, expect, it } from 'vitest';
import { errorMessage, formatDuration, formatInt, formatPercent, formatShape, plural } from './format';

describe('format', () => {
  it('prints parameter counts as model.summary() does', () => {
    expect(formatInt(407050)).toBe('407,050');
    expect(formatShape([null, 26, 26, 16])).toBe('(None, 26, 26, 16)');
  });

  it('prints percentages, durations and plurals', () => {
    expect(formatPercent(0.98123)).toBe('98.12%');
    expect(formatDuration(0.2)).toBe('< 1 s');
    expect(formatDuration(42.4)).toBe('42 s');
    expect(formatDuration(185)).toBe('3 min 05 s');
    expect(formatDuration(3725)).toBe('1 h 02 min');
    expect(plural(1, 'image')).toBe('1 image');
    expect(plural(2000, 'image')).toBe('2,000 images');
  });
});

describe('errorMessage', () => {
  it('keeps only the sentence, without Electron IPC prefixes or stack lines', () => {
    const error = new Error(
      "Error invoking remote method 'studio:call': Error: There is no model yet; train one first.\n    at foo (x.js:1:1)",
    );
    expect(errorMessage(error)).toBe('There is no model yet; train one first.');
  });

  it('falls back to a generic sentence for empty or odd values', () => {
    expect(errorMessage(undefined)).toBe('Something went wrong; please try again.');
    expect(errorMessage('Plain text.')).toBe('Plain text.');
  });
});
