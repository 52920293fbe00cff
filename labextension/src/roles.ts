// Roles as etlnb reads them from `metadata.tags` (etlnb/analyse/roles.py): one role tag per code cell.
import { Cell, ICellModel } from '@jupyterlab/cells';

export const ROLES = [
  'parameters',
  'imports',
  'functions',
  'extract',
  'transform',
  'load',
  'validate',
  'sample',
  'skip'
];
export const UNTAGGED = 'untagged';
export const STEP_ROLES = ['extract', 'transform', 'load', 'validate'];

export function tagsOf(model: ICellModel): string[] {
  const tags = model.getMetadata('tags');
  return Array.isArray(tags) ? tags.filter(t => typeof t === 'string') : [];
}

/** The cell's role from its tags: a role, "untagged", or "conflict" (two role tags, refused by etlnb). */
export function roleOf(model: ICellModel): string {
  const roles = new Set(tagsOf(model).map(t => t.toLowerCase()).filter(t => ROLES.includes(t)));
  if (roles.size > 1) {
    return 'conflict';
  }
  return roles.size ? [...roles][0] : UNTAGGED;
}

/** Replace every role tag with `role` (none for "untagged"); other tags stay as they are. */
export function setRole(cell: Cell, role: string): void {
  const model = cell.model;
  const others = tagsOf(model).filter(t => !ROLES.includes(t.toLowerCase()));
  const tags = role === UNTAGGED ? others : [...others, role];
  if (tags.length) {
    model.setMetadata('tags', tags);
  } else {
    model.deleteMetadata('tags');
  }
}
