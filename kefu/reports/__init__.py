"""Reports: conversation facts and daily rollups, the report API, the console page's data and exports."""
