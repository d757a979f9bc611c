// The Pulumi program (Pulumi.yaml `main`). Pulumi calls the exported function and takes the object
// it resolves to as the stack's outputs (docs/deploy.md lists them).
import * as path from 'node:path';
import { readStackConfig, repositoryRoot } from './config';
import { declareStack } from './declare';

export = () => declareStack(readStackConfig(), path.join(repositoryRoot, 'functions'));
