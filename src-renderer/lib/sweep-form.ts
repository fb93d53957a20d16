/** The sweep form's fields, parsed and checked the way the engine's contract will check them. Pure. */
import type { SweepSettings } from '../../src-main/shared/contract';
import { LIMITS, limitMessage, type NumberLimit } from '../../src-main/shared/spec';

export const DEFAULT_UNITS_TEXT = '8, 16, 32, 64, 128, 256, 512, 1024';
const UNITS = LIMITS.units;
const SIZES = LIMITS.sweepSizes;

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
    if (value < UNITS.min || value > UNITS.max)
      return { units, issue: `Sizes run from ${UNITS.min} to ${UNITS.max} units; ${token} is out of range.` };
    if (!units.includes(value)) units.push(value);
  }
  if (units.length > SIZES.max)
    return { units, issue: `At most ${SIZES.max} sizes per sweep; this list has ${units.length}.` };
  return { units };
}

function wholeNumber(text: string, limit: NumberLimit): { value?: number; issue?: string } {
  const trimmed = text.trim();
  if (!/^\d+$/.test(trimmed) || Number(trimmed) < limit.min || Number(trimmed) > limit.max)
    return { issue: limitMessage(limit) };
  return { value: Number(trimmed) };
}

/** Every field's problem, keyed by field; empty when the form can start a sweep. */
export function formIssues(form: SweepForm, trainImages = 60000): SweepFormIssues {
  const issues: SweepFormIssues = {};
  const units = parseUnits(form.units).issue;
  if (units) issues.units = units;
  const epochs = wholeNumber(form.epochs, LIMITS.sweepEpochs).issue;
  if (epochs) issues.epochs = epochs;
  if (form.trainLimit.trim()) {
    const limit = wholeNumber(form.trainLimit, {
      ...LIMITS.trainLimit,
      label: 'The training-image limit',
      max: trainImages,
    }).issue;
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
