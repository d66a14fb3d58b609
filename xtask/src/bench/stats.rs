//! Percentiles and medians, in microseconds.

/// The `q` quantile (0..=1) of `values` by nearest rank; 0 for none.
pub fn quantile(values: &[u64], q: f64) -> u64 {
    if values.is_empty() {
        return 0;
    }
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// The median of what is there (`None` for nothing).
pub fn median(values: impl IntoIterator<Item = Option<u64>>) -> Option<u64> {
    let mut present: Vec<u64> = values.into_iter().flatten().collect();
    if present.is_empty() {
        return None;
    }
    present.sort_unstable();
    let mid = present.len() / 2;
    Some(if present.len() % 2 == 1 {
        present[mid]
    } else {
        (present[mid - 1] + present[mid]) / 2
    })
}

/// Microseconds as milliseconds, with two decimals below 100 ms.
pub fn ms(micros: u64) -> String {
    let ms = micros as f64 / 1000.0;
    if ms < 100.0 {
        format!("{ms:.2}")
    } else {
        format!("{ms:.0}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_p99_of_a_hundred_values_is_the_ninety_ninth_smallest() {
        let values: Vec<u64> = (1..=100).rev().collect();
        assert_eq!(quantile(&values, 0.99), 99);
        assert_eq!(quantile(&values, 0.5), 50);
        assert_eq!(quantile(&values, 1.0), 100);
        assert_eq!(quantile(&[], 0.5), 0);
        assert_eq!(quantile(&[7], 0.99), 7);
    }

    #[test]
    fn the_median_of_rounds_skips_the_rounds_without_a_figure() {
        assert_eq!(median([Some(3), None, Some(1), Some(2)]), Some(2));
        assert_eq!(median([Some(4), Some(2)]), Some(3));
        assert_eq!(median([None]), None);
    }

    #[test]
    fn milliseconds_keep_two_decimals_below_a_hundred() {
        assert_eq!(ms(9_312), "9.31");
        assert_eq!(ms(412_000), "412");
    }
}
