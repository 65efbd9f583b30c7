// KlaxonDelivery: placeholder until its first file lands.
