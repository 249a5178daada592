//! Hotspots: hexagonal bins and Getis-Ord Gi* against population.
