import { PolicyPack } from '@pulumi/policy';
import { policies } from './policies';

// Constructing the pack serves it to the Pulumi engine: only `pulumi preview --policy-pack` loads this file.
new PolicyPack('patient-records-security', { policies });
