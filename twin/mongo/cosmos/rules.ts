import type { ProfileRules } from '../rules';
import { cosmosCollectionRules } from './collection-rules';
import { checkIndexDefinition, checkUniqueIndexChange } from './index-rules';
import { checkCosmosPipeline } from './pipeline-rules';
import { checkFindAndModifySort, checkSortServed } from './sort-rule';

export interface CosmosAccountSettings {
  /** The account keeps continuous backup: unique indexes only with a collection's creation. */
  continuousBackup: boolean;
}

/** Azure Cosmos DB for MongoDB (RU, 4.2) as the wire protocol sees it: its index, sort and document rules. */
export function cosmosRules(account: CosmosAccountSettings): ProfileRules {
  return {
    collections: cosmosCollectionRules,
    indexes: {
      beforeCreate(collection, specs) {
        for (const spec of specs) checkIndexDefinition(spec, collection?.shardKey);
        checkUniqueIndexChange(collection, { added: specs, dropped: [] }, 'later', account.continuousBackup);
      },
      beforeDrop(collection, specs) {
        checkUniqueIndexChange(collection, { added: [], dropped: specs }, 'later', account.continuousBackup);
      },
    },
    queries: { checkSort: checkSortServed, checkFindAndModifySort, checkPipeline: checkCosmosPipeline },
  };
}
