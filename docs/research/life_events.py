"""Events the commitments research adds to the bundled record (issue #14), with their sources.

Each row carries columns of events/data/bundled/other_events.csv (the missing ones are left
empty); `build_life.py` appends the rows that are not there yet. Every URL was returned by the
research's searches (docs/research/life_urls.txt); dates were read from the page text, see
commitments.md.
"""

import json


def _dis(about, *versions):
    return json.dumps([{"about": about, "versions": [{"url": u, "says": s} for u, s in versions]}], ensure_ascii=False)


EVENTS = [
    {
        "date": "2016-12-19",
        "kind": "intention",
        "title": "China offers the Philippines a $14.4 million arms grant and a $500 million soft loan",
        "summary": "At a meeting with Duterte and Lorenzana in Malacañang on the night of 19 December, Chinese Ambassador Zhao Jianhua offered a list of equipment worth 100 million yuan as a grant and a $500 million long-term soft loan for other equipment; Lorenzana disclosed the offer the next day.",
        "countries": "PH; CN",
        "city": "Manila",
        "source_url": "http://www.manila-shimbun.com/category/english/news226726.html; http://www.taipeitimes.com/News/front/archives/2016/12/21/2003661630; http://www.manilatimes.net/look-chinas-offer-smile-eyes-wide-open/303976/",
    },
    {
        "date": "2017-05-15",
        "kind": "intention",
        "title": "Lorenzana signs a letter of intent with China's Poly Technologies; China's $500 million arms loan on standby",
        "summary": "In Beijing during the Belt and Road Forum, Defense Secretary Lorenzana said he signed a non-binding letter of intent to buy defence equipment from the state-owned Poly Technologies, to be paid from a $500 million Chinese loan held on standby until the AFP modernization fund runs out.",
        "countries": "PH; CN",
        "city": "Beijing",
        "source_url": "http://manilastandard.net/news/top-stories/236760/sino-loan-to-finance-weapons-buy-dnd.html",
    },
    {
        "date": "2018-04-17",
        "kind": "other",
        "title": "Ground broken for the first EDCA project, a disaster-relief warehouse at Basa Air Base",
        "summary": "US Ambassador Sung Kim and Defense Secretary Lorenzana broke ground at Cesar Basa Air Base, Pampanga, for a Humanitarian Assistance and Disaster Relief warehouse, the first major construction project under the Enhanced Defense Cooperation Agreement.",
        "countries": "PH; US",
        "city": "Floridablanca",
        "venue": "Cesar Basa Air Base",
        "source_url": "http://www.manilatimes.net/us-constructs-disaster-relief-warehouse-in-pampanga/394231/",
    },
    {
        "date": "2021-11",
        "kind": "agreement",
        "title": "Philippines signs a ₱12.7 billion contract with Russia's Sovtechnoexport for Mi-17 heavy-lift helicopters",
        "summary": "The Department of National Defense signed a contract with Sovtechnoexport for Mi-17 helicopters for the Philippine Air Force in November 2021 and made a down payment in January 2022; the first batch was due about 24 months later.",
        "countries": "PH; RU",
        "source_url": "https://abcnews.go.com/International/wireStory/philippines-proceed-deal-buy-russian-helicopters-83337867; https://www.manila-shimbun.com/category/english/news262771.html; https://aerotime.aero/articles/31750-philippines-drops-227-million-deal-for-russia-made-mi-17s",
        "disagreements": _dis(
            "the number of helicopters",
            (
                "https://abcnews.go.com/International/wireStory/philippines-proceed-deal-buy-russian-helicopters-83337867",
                "a deal to purchase 17 military transport helicopters from Russia",
            ),
            (
                "https://aerotime.aero/articles/31750-philippines-drops-227-million-deal-for-russia-made-mi-17s",
                "a $227 million deal to acquire 16 Russian military helicopters",
            ),
        ),
    },
    {
        "date": "2022-06-23",
        "kind": "policy_action",
        "title": "Locsin announces that oil and gas talks with China are terminated on Duterte's order",
        "summary": "In his speech at the DFA's founding anniversary, outgoing Foreign Secretary Locsin said Duterte had ordered the oil and gas discussions with China, opened under the November 2018 memorandum of understanding, terminated completely; China's foreign ministry said it was ready to continue with the incoming administration.",
        "countries": "PH; CN",
        "city": "Pasay",
        "source_url": "https://mb.com.ph/2022/06/23/everything-is-over-ph-completely-terminates-oil-gas-discussion-with-china-in-wps-locsin; https://www.rappler.com/nation/philippines-says-offshore-joint-energy-exploration-talks-with-china-terminated/; https://www.gmanetwork.com/news/topstories/nation/835887/locsin-philippines-china-talks-on-oil-gas-exploration-terminated/story/; https://www.manila-shimbun.com/category/english/news265012.html",
    },
    {
        "date": "2022-07-26",
        "kind": "policy_action",
        "title": "Lorenzana confirms the Philippines has cancelled the Mi-17 helicopter deal with Russia",
        "summary": "Former Defense Secretary Lorenzana told the Associated Press that the ₱12.7 billion contract for 16 Mi-17 helicopters had been cancelled, a decision Duterte approved before his term ended on 30 June, for fear of US sanctions; on 10 August the DND said it was formalizing the termination and would seek to recover the down payment.",
        "countries": "PH; RU; US",
        "source_url": "https://www.airmedandrescue.com/latest/news/philippines-cancels-military-helicopter-deal-russia; https://aerotime.aero/articles/31750-philippines-drops-227-million-deal-for-russia-made-mi-17s; https://www.philippinesnewsgazette.com/dnd-formalizing-termination-of-russian-helicopter-deal/",
        "disagreements": _dis(
            "the day Lorenzana confirmed the cancellation",
            (
                "https://www.airmedandrescue.com/latest/news/philippines-cancels-military-helicopter-deal-russia",
                "The deal’s cancellation was announced former Defence Secretary Delfin Lorenzana on Tuesday 26 July",
            ),
            (
                "https://aerotime.aero/articles/31750-philippines-drops-227-million-deal-for-russia-made-mi-17s",
                "Speaking to the Associated Press on July 27, 2022",
            ),
        ),
    },
    {
        "date": "2023-11-06",
        "kind": "other",
        "title": "Rehabilitated Basa Air Base runway, the largest EDCA project, is opened",
        "summary": "Defense Secretary Teodoro and US Deputy Chief of Mission Robert Ewing led the dedication of the ₱1.3 billion rehabilitated runway of Basa Air Base, Pampanga, built under the Enhanced Defense Cooperation Agreement. The source, dated 7 November, says 'on Monday'.",
        "countries": "PH; US",
        "city": "Floridablanca",
        "venue": "Basa Air Base",
        "source_url": "https://www.sunstar.com.ph/pampanga/basa-air-base-runway-ready-for-larger-aircraft",
    },
    {
        "date": "2024-04-19",
        "kind": "other",
        "title": "India delivers the first batch of BrahMos missiles to the Philippines",
        "summary": "An Indian Air Force C-17 delivered the first BrahMos supersonic cruise missiles to the Philippine Marine Corps under the January 2022 contract for three shore-based batteries; ground systems had been shipped from the month before.",
        "countries": "PH; IN",
        "source_url": "https://www.thehindu.com/news/national/india-delivers-first-batch-of-brahmos-to-philippines/article68084161.ece; https://www.republicworld.com/world-news/indian-foreign-policy/with-eye-on-china-india-delivers-first-batch-of-brahmos-to-philippines/?amp=1; https://www.lokmattimes.com/national/boosting-defence-ties-india-delivers-brahmos-missile-system-to-philippines/; https://zeenews.india.com/india/india-delivers-first-batch-of-brahmos-missile-to-philippines-amid-south-china-sea-tensions-2742614.html",
        "disagreements": _dis(
            "where the aircraft landed",
            (
                "https://www.lokmattimes.com/national/boosting-defence-ties-india-delivers-brahmos-missile-system-to-philippines/",
                "after an Indian Air Force C-17 aircraft landed at the Clark Air Base, a Philippine Air Force base on Luzon Island",
            ),
            (
                "https://zeenews.india.com/india/india-delivers-first-batch-of-brahmos-missile-to-philippines-amid-south-china-sea-tensions-2742614.html",
                "an air base in Manila on Saturday received first lot of BrahMos supersonic cruise missiles",
            ),
        ),
    },
    {
        "date": "2024-12-31",
        "kind": "agreement",
        "title": "Philippines-Republic of Korea Free Trade Agreement enters into force",
        "summary": "The FTA signed in Jakarta on 7 September 2023 entered into force on 31 December 2024, after the Philippine Senate's concurrence in September and the Korean National Assembly's ratification in November 2024; it is the Philippines' third bilateral free trade agreement.",
        "countries": "PH; KR",
        "source_url": "https://www.dti.gov.ph/korea-free-trade-agreement/; https://portcalls.com/philippines-korea-fta-to-take-effect-dec-31; https://radyopilipinas.ph/2025/01/free-trade-agreement-sa-pagitan-ng-pilipinas-at-south-korea-welcome-para-sa-dfa",
    },
    {
        "date": "2025-08-12",
        "kind": "agreement",
        "title": "Philippines and Japan exchange notes bringing the Reciprocal Access Agreement into force on 11 September",
        "summary": "Foreign Secretary Lazaro and Japanese Ambassador Endo Kazuya held the ceremonial exchange of notes on the entry into force of the RAA at the DFA, with Defense Secretary Teodoro present; the agreement would enter into force 30 days later, on 11 September 2025.",
        "countries": "PH; JP",
        "city": "Pasay",
        "source_url": "https://mb.com.ph/2025/08/12/ph-japan-reciprocal-access-agreement-to-enter-into-force-on-sept-11; https://www.bworldonline.com/the-nation/2025/08/12/691154/phl-japan-raa-takes-effect-in-sept; https://www.gmanetwork.com/news/topstories/nation/955680/ph-japan-defense-pact-enters-into-force-on-sept-11/story",
    },
    {
        "date": "2025-09-11",
        "kind": "agreement",
        "title": "Japan-Philippines Reciprocal Access Agreement enters into force",
        "summary": "The Department of National Defense announced the entry into force of the RAA, which sets the legal framework for visits and joint training of the Armed Forces of the Philippines and the Japan Self-Defense Forces. Japan's foreign ministry later recorded that the RAA took effect in September and was first applied to a joint exercise and to relief after the Cebu earthquake.",
        "countries": "PH; JP",
        "source_url": "https://tribune.net.ph/2025/09/11/philippines-japan-reciprocal-access-agreement-now-in-force; https://mb.com.ph/2025/09/10/ph-japan-reciprocal-access-agreement-enters-into-force-sept-11; https://www.mofa.go.jp/mofaj/s_sa/sea2/ph/pageit_000001_00005.html",
    },
    {
        "date": "2026-02-11",
        "kind": "other",
        "title": "Japan hands over five OSA coastal radar systems to the Philippines",
        "summary": "At Camp Aguinaldo, Ambassador Endo Kazuya handed over to Defense Secretary Teodoro five coastal radar systems worth ¥600 million, the first Official Security Assistance project for the Philippines, agreed during Kishida's November 2023 visit.",
        "countries": "PH; JP",
        "city": "Quezon City",
        "venue": "Camp Aguinaldo",
        "source_url": "https://mb.com.ph/article/10905301/philippines/national/dnd-receives-five-coastal-radar-systems-from-japan; https://www.sunstar.com.ph/manila/ph-gets-5-coastal-surveillance-radars-from-japans-security-aid; https://plus.inquirer.net/news/ph-receives-coastal-radar-systems-from-japan",
    },
]

PUBLISHERS = [
    ("abcnews.go.com", "ABC News (Associated Press wire)", "news", "false"),
    ("aerotime.aero", "AeroTime", "news", "false"),
    ("airmedandrescue.com", "AirMed & Rescue", "news", "false"),
    ("dti.gov.ph", "Department of Trade and Industry", "official_ph", "false"),
    ("lokmattimes.com", "Lokmat Times", "news", "false"),
    ("portcalls.com", "PortCalls Asia", "news", "false"),
    ("radyopilipinas.ph", "Radyo Pilipinas", "state_media", "false"),
    ("republicworld.com", "Republic World", "news", "false"),
    ("thehindu.com", "The Hindu", "news", "false"),
    ("zeenews.india.com", "Zee News", "news", "false"),
]
