/** The sweep form's fields, parsed and checked the way the engine's contract will check them. Pure. */
import type { SweepSettings } from '../../src-main/shared/contract';

export const DEFAULT_UNITS_TEXT = '8, 16, 32, 64, 128, 256, 512, 1024';
export const MAX_SIZES = 16;
export const MAX_UNITS = 8192;
export const MAX_EPOCHS = 100;

export interface SweepForm {
  units: string;
  epochs: string;
  trainLimit: string;
}

export type SweepFormIssues = Partial<Record<keyof SweepForm, string>>;

/** "8, 16 32" -> [8, 16, 32]; duplicates dropped, order kept. */
export function parseUnits(text: string): { units: number[]; issue?: string } {
  const tokens = text.split(/[\s,;]+/).filter(Boolean);
  if (tokens.length === 0) return { units: [], issue: 'Enter at least one hidden size, e.g. 8, 16, 32.' };
  const units: number[] = [];
  for (const token of tokens) {
    if (!/^\d+$/.test(token)) return { units, issue: `“${token}” is not a whole number of units.` };
    const value = Number(token);
    if (value < 1 || value > MAX_UNITS)
      return { units, issue: `Sizes run from 1 to ${MAX_UNITS} units; ${token} is out of range.` };
    if (!units.includes(value)) units.push(value);
  }
  if (units.length > MAX_SIZES)
    return { units, issue: `At most ${MAX_SIZES} sizes per sweep; this list has ${units.length}.` };
  return { units };
}

function wholeNumber(text: string, min: number, max: number, what: string): { value?: number; issue?: string } {
  const trimmed = text.trim();
  if (!/^\d+$/.test(trimmed) || Number(trimmed) < min || Number(trimmed) > max)
    return { issue: `${what} must be a whole number from ${min} to ${max.toLocaleString('en-US')}.` };
  return { value: Number(trimmed) };
}

/** Every field's problem, keyed by field; empty when the form can start a sweep. */
export function formIssues(form: SweepForm, trainImages = 60000): SweepFormIssues {
  const issues: SweepFormIssues = {};
  const units = parseUnits(form.units).issue;
  if (units) issues.units = units;
  const epochs = wholeNumber(form.epochs, 1, MAX_EPOCHS, 'Epochs').issue;
  if (epochs) issues.epochs = epochs;
  if (form.trainLimit.trim()) {
    const limit = wholeNumber(form.trainLimit, 1, trainImages, 'The training-image limit').issue;
    if (limit) issues.trainLimit = limit;
  }
  return issues;
}

/** The settings to send, or null while a field has a problem. */
export function formSettings(
  form: SweepForm,
  base: Omit<SweepSettings, 'units' | 'epochs' | 'trainLimit'>,
  trainImages = 60000,
): SweepSettings | null {
  if (Object.keys(formIssues(form, trainImages)).length > 0) return null;
  const limit = form.trainLimit.trim();
  return {
    ...base,
    units: parseUnits(form.units).units,
    epochs: Number(form.epochs.trim()),
    ...(limit ? { trainLimit: Number(limit) } : {}),
  };
}
