"""Cross-list reconciliation: which entries of different lists are one party, and where the
authorities behind them diverge.

Pure functions over the canonical tables of CONTRACT.md: polars frames in, polars frames out,
no I/O, no Dagster (`assets/reconcile.py` is the Dagster side). `resolve.resolve(tables)`
returns the clusters (every entity in exactly one, singletons too),
the links that justify them, and the attribute conflicts found inside them.

How a party is recognised
1. Deterministic links, each with its rule and the shared value as evidence: UN reference
   numbers (`QDi.012` = `QDI.12`), IMO numbers, passports and national IDs *with* their issuing
   country (a bare number is too weak: `1234567` is issued by many states; a UK passport's
   country is read from its note), tax and registration numbers with their country, SWIFT/BIC
   (first 8 characters: the institution), LEI, crypto wallets, and lists citing each other
   (a US CSL row's OFAC ent_num, the FCDO list's OFSI Group ID and UK reference). A value two
   entries of one list share (the UN gives two Iranian officials the same passports) proves
   nothing and is skipped, as is one shared by more than `max_identifier_group` entries.
2. Scored links between the other parties. Names are transliterated (text-unidecode), lower-cased,
   stripped of honorifics (persons) or legal forms (LLC, OOO, AO, JSC, LTD…) and of particles
   (al, bin, de…), and compared as sorted tokens — word order does not matter, a repeated part
   does (`Ibrahim Sab'awi Ibrahim` is the son of `Sab'awi Ibrahim`). The score is a sum of
   log-odds weights, Fellegi–Sunter style, set by hand and measured against hidden ground
   truth (`bench/bench_reconcile.py`): the best name pair (ratio, consonant skeleton, one name
   inside the other), how many name pairs agree, how common the name is (the most entries of
   one list carrying it), birth dates with their precision (a one-day gap between lists is a
   time-zone slip, the same year with another day a typo, no overlap a conflict), countries,
   a shared document number of any country, gender, and for organisations their register
   numbers (two companies whose registration or tax numbers of one length all differ are two
   companies). Parties of different entity types are never compared.
3. Blocking keeps the cost near-linear. Each name yields keys made of pairs of its rarest
   tokens' consonant skeletons (`muhammad`, `mohammed` → `mhmd`); a block is compared as a
   sorted neighbourhood (each party with its next `window` neighbours by name), a key shared
   by more than `max_block` parties is also refined by birth year or a third token, and each
   party keeps only its `max_candidates` best-named candidates for full scoring; the best few
   are rescored on every pair of their names.
4. Clusters are connected components (union-find): deterministic links first, then scored
   links by descending score. A scored link that would put two entries of one source in one
   cluster is refused — a publisher lists a party once, so two of its entries are two
   parties — which stops chains of fuzzy links from snowballing. The UN lists a party once
   per committee (`ONE_ENTRY_PER_REGIME`): two UN entries of different regimes may join.
5. Cluster IDs are stable across versions (`assign_cluster_ids`): a cluster inherits the ID of
   the previous cluster it shares the most members with; otherwise an ID is minted from its
   smallest member.

Why rapidfuzz with explicit blocking rather than splink: a party carries one to forty names
and splink compares one record with one record, so names would be exploded into record pairs
and re-aggregated outside its model; its m/u weights come from EM training on each run's data,
so adding a list would move the weights and with them the links of unrelated parties, while
published party IDs must not drift; and the lists themselves give labelled truth (UN
references, passports) to set and check a small, readable set of weights. Blocking in polars
and scoring with `rapidfuzz.process.cpdist` (C++, all cores) resolves every list in a few
seconds, with no training step, deterministically.

Where each stage is
- `names`: name keys and normalisation (tokens, skeletons, bracket variants, commonness);
- `deterministic`: links on shared identifiers, the rules and their vocabularies;
- `blocking`: candidate name pairs; `scoring`: each pair's feature weights;
  `probabilistic`: scored links accepted per entity type (listing units, ambiguity);
- `clusters`: union-find clusters, stable party IDs, conflicts inside clusters;
- `divergence`: coverage, lag and conflicts between authorities (`divergence.reconcile` runs
  everything);
- `weights`: the weight table (`Settings`), every weight with its reason;
- `inputs`: the canonical columns read; `resolve`: the stages above, in order;
- `memo`: each entity type's scored links kept for the next run whose rows of that type are
  the same (the asset keeps them in `warehouse/reconcile/.matcher-memo/`).
"""

# The six tables `divergence.reconcile` returns, in order (their models: schemas/reconcile.py
# `MODELS`). Named here, without polars, for the Dagster definitions: each is a published table.
TABLES = (
    "clusters",
    "cluster_links",
    "cluster_conflicts",
    "divergence_coverage",
    "divergence_lag",
    "divergence_conflicts",
)
