"""Major hazard sources (GB 18218-2018): registered grade and live state from tank levels."""
