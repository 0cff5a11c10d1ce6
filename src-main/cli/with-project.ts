import { openProject, type Project } from '../core/project/open.js';

/** Opens a project for one command and always closes it, so the lock is released even on errors. */
export async function withProject<T>(dir: string, fn: (project: Project) => T | Promise<T>): Promise<T> {
  const project = openProject(dir);
  try {
    return await fn(project);
  } finally {
    project.close();
  }
}
