import type { Command } from 'commander';
import { openProject } from '../../core/project/open.js';

export function registerInit(program: Command): void {
  program
    .command('init')
    .description('create an empty project folder (project.sqlite + images/)')
    .argument('<project-dir>', 'folder to create the project in (new or empty)')
    .action((dir: string) => {
      const project = openProject(dir, { create: true });
      project.close();
      console.log(`created project ${project.dir}`);
    });
}
