import { describe, expect, it } from 'vitest';
import { sweepSettingsSchema } from '../../src-main/shared/contract';
import { DEFAULT_UNITS_TEXT, formIssues, formSettings, parseUnits } from './sweep-form';

const base = { batchSize: 32, learningRate: 0.001, seed: 42 };

describe('parseUnits', () => {
  it('reads the default list', () => {
    expect(parseUnits(DEFAULT_UNITS_TEXT)).toEqual({ units: [8, 16, 32, 64, 128, 256, 512, 1024] });
  });
  it('accepts spaces, commas and semicolons, and drops duplicates keeping order', () => {
    expect(parseUnits(' 64  8,8;16 ')).toEqual({ units: [64, 8, 16] });
  });
  it('explains what is wrong', () => {
    expect(parseUnits('').issue).toMatch(/at least one/);
    expect(parseUnits('8, 12.5').issue).toBe('“12.5” is not a whole number of units.');
    expect(parseUnits('8, -4').issue).toMatch(/not a whole number/);
    expect(parseUnits('0').issue).toBe('Sizes run from 1 to 8192 units; 0 is out of range.');
    expect(parseUnits('9000').issue).toMatch(/out of range/);
    const seventeen = Array.from({ length: 17 }, (_, i) => i + 1).join(',');
    expect(parseUnits(seventeen).issue).toBe('At most 16 sizes per sweep; this list has 17.');
  });
});

describe('formIssues and formSettings', () => {
  it('builds settings the contract accepts', () => {
    const settings = formSettings({ units: '8, 16', epochs: '1', trainLimit: '2000' }, base);
    expect(settings).toEqual({ ...base, units: [8, 16], epochs: 1, trainLimit: 2000 });
    expect(sweepSettingsSchema.safeParse(settings).success).toBe(true);
  });
  it('leaves out an empty training limit', () => {
    expect(formSettings({ units: '8', epochs: '5', trainLimit: ' ' }, base)).toEqual({
      ...base,
      units: [8],
      epochs: 5,
    });
  });
  it('flags each bad field and refuses to build settings', () => {
    const form = { units: '8', epochs: '0', trainLimit: '70000' };
    expect(formIssues(form)).toEqual({
      epochs: 'Epochs must be a whole number from 1 to 100.',
      trainLimit: 'The training-image limit must be a whole number from 1 to 60,000.',
    });
    expect(formSettings(form, base)).toBeNull();
  });
});
