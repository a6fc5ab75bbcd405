"""Hindi text: cleaning, the search form (words, normalizing, stemming), dates, URLs. Imports nothing of Khabar's."""
