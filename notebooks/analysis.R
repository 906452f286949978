#!/usr/bin/env Rscript
# fastlakare's output in R: the same analysis as notebooks/analysis.ipynb, with arrow,
# dplyr and ggplot2.
#
#   install.packages(c("arrow", "dplyr", "ggplot2"))        # once
#   cargo run --release -- run configs/baseline.toml         # writes results/baseline/
#   Rscript notebooks/analysis.R [RESULTS_DIR]               # figures in RESULTS_DIR/r-figures/
#   FASTLAKARE_SCENARIO=uptake_80 Rscript notebooks/analysis.R results/scenarios
#
# Column meanings: docs/output-schema.md. Integers arrive as R integers, censored years
# as NA, strings as character; nothing needs converting.

suppressPackageStartupMessages({
  library(arrow)
  library(dplyr)
  library(ggplot2)
})

args <- commandArgs(trailingOnly = TRUE)
results <- if (length(args) >= 1) args[[1]] else Sys.getenv("FASTLAKARE_RESULTS", "results/baseline")
if (!file.exists(file.path(results, "summary.parquet"))) {
  stop(results, " has no summary.parquet: run `fastlakare run configs/baseline.toml` first")
}
figures <- file.path(results, "r-figures")
dir.create(figures, showWarnings = FALSE)

# What made these results: every Parquet file carries the version, seed, runs and config.
runs_table <- read_parquet(file.path(results, "runs.parquet"), as_data_frame = FALSE)
meta <- runs_table$metadata
cat("fastlakare", meta[["fastlakare.version"]], "| seed", meta[["fastlakare.seed"]],
    "| runs", meta[["fastlakare.runs"]], "| mode", meta[["fastlakare.mode"]], "\n")
# A config with [scenarios.NAME] has rows for each; this script looks at one.
chosen_scenario <- Sys.getenv("FASTLAKARE_SCENARIO", "baseline")
runs <- as.data.frame(runs_table) |> filter(scenario == chosen_scenario)

bands <- read_parquet(file.path(results, "bands.parquet")) |> filter(scenario == chosen_scenario)
base_year <- min(bands$year)
horizon <- max(bands$year) - base_year

# 1. The summary table: years to target per region. A quantile that falls among runs
#    that never reach the target within the horizon is NA, not a made-up number.
summary <- read_parquet(file.path(results, "summary.parquet")) |> filter(scenario == chosen_scenario)
prob_cols <- grep("^prob_by_[0-9]{4}$", names(summary), value = TRUE)
summary |>
  arrange(p50_years) |>
  select(region_code, region, p05_years, p50_years, p95_years, share_never, all_of(prob_cols)) |>
  mutate(across(c(share_never, all_of(prob_cols)), \(x) round(x, 2))) |>
  as.data.frame() |>
  print(row.names = FALSE)

# 2. A fan chart from bands.parquet: 5-95 % and 25-75 % of runs, the median, the guideline.
fan <- bands |> filter(region_code == "06", metric == "coverage")
p <- ggplot(fan, aes(year)) +
  geom_ribbon(aes(ymin = p05, ymax = p95, fill = "5-95 %"), alpha = 0.5) +
  geom_ribbon(aes(ymin = p25, ymax = p75, fill = "25-75 %"), alpha = 0.7) +
  geom_line(aes(y = p50, colour = "median")) +
  geom_hline(yintercept = 1, linetype = "dashed") +
  scale_fill_manual(NULL, values = c("5-95 %" = "#c6dbef", "25-75 %" = "#6baed6")) +
  scale_colour_manual(NULL, values = c(median = "#08519c")) +
  coord_cartesian(ylim = c(0, 2.5)) +
  labs(title = paste0(fan$region[1], " (06): coverage"), x = "year", y = "coverage")
ggsave(file.path(figures, "fan_06.png"), p, width = 8, height = 4, dpi = 120)

# 3. Probability of having reached the target by each year, for a few regions.
chosen <- intersect(c("06", "23", "14", "01", "SE"), unique(runs$region_code))
years <- seq(base_year, base_year + horizon)
prob <- bind_rows(lapply(years, function(y) {
  runs |>
    filter(region_code %in% chosen) |>
    group_by(region_code, region) |>
    summarise(year = y, probability = mean(!is.na(year_reached) & year_reached <= y),
              .groups = "drop")
}))
p <- ggplot(prob, aes(year, probability, colour = paste0(region, " (", region_code, ")"))) +
  geom_line() +
  coord_cartesian(ylim = c(0, 1)) +
  labs(colour = NULL, y = "P(target reached)")
ggsave(file.path(figures, "prob_by_year.png"), p, width = 8, height = 4, dpi = 120)

# 4. Which sampled parameters go with late years (Spearman, never = later than any year).
late <- runs |>
  filter(region_code == "06") |>
  mutate(years_or_never = coalesce(years_to_target, as.integer(horizon + 1)))
params <- grep("^param_", names(late), value = TRUE)
params <- params[vapply(params, \(p) length(unique(na.omit(late[[p]]))) > 1, logical(1))]
if ("param_pop_growth_multiplier" %in% params) {
  params <- setdiff(params, "param_pop_growth_per_year") # the same ranking
}
rho <- data.frame(
  parameter = sub("^param_", "", params),
  spearman = vapply(params, \(p) cor(late$years_or_never, late[[p]], method = "spearman",
                                     use = "complete.obs"), numeric(1))
) |> arrange(desc(abs(spearman)))
print(rho, row.names = FALSE)
p <- ggplot(rho, aes(reorder(parameter, abs(spearman)), spearman, fill = spearman > 0)) +
  geom_col(show.legend = FALSE) +
  coord_flip() +
  labs(x = NULL, y = "Spearman correlation with years to target",
       title = paste0(late$region[1], ": what goes with late years"))
ggsave(file.path(figures, "parameters_06.png"), p, width = 7, height = 4, dpi = 120)

# 5. Single runs, if the run was made with --trajectories. region_code comes from the
#    folder names; declare it a string or "01" becomes the number 1.
traj_dir <- file.path(results, "trajectories")
if (dir.exists(traj_dir)) {
  traj <- open_dataset(traj_dir, partitioning = hive_partition(region_code = utf8())) |>
    filter(region_code == "06", scenario == chosen_scenario, run < 30) |>
    collect()
  p <- ggplot(traj, aes(year, coverage, group = run)) +
    geom_line(alpha = 0.3, colour = "#08519c") +
    geom_hline(yintercept = 1, linetype = "dashed") +
    coord_cartesian(ylim = c(0, 2.5)) +
    labs(title = "Jönköping (06): coverage in 30 single runs")
  ggsave(file.path(figures, "trajectories_06.png"), p, width = 8, height = 4, dpi = 120)
}
cat("figures in", figures, "\n")
